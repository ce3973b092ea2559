import Glibc
import MigrateCore
import MigratePlan

/// A lock-step walk of a source and a target tree (rclone's march): one folder at a time, the two
/// listings matched by name the way Windows does (case-insensitively). The policy of a pass lives
/// in the visitor, not here.
public struct Marcher {
    public struct Pair {
        public var path: String
        public var source: Entry?
        public var target: Entry?
    }

    let source: any Tree
    let target: any Tree
    let filter: PathFilter
    /// Target names the marcher never reports (the pass's own temporary files are handled apart).
    let isOwnFile: (String) -> Bool

    /// Where the target side's listing comes from instead of the target itself (a quick pass
    /// trusts the catalog's record of what it made the target).
    public var targetListing: ((String) throws -> [Entry])?

    /// A listing that fails for a reason that may pass (a dropped connection) is tried again.
    let retries: Int
    let retryWait: Double

    public init(source: any Tree, target: any Tree, filter: PathFilter, retries: Int = 0, retryWait: Double = 0,
                isOwnFile: @escaping (String) -> Bool = { _ in false }) {
        self.source = source; self.target = target; self.filter = filter; self.isOwnFile = isOwnFile
        self.retries = retries; self.retryWait = retryWait
    }

    func listing(_ tree: any Tree, _ dir: String) throws -> [Entry] {
        var attempt = 0
        while true {
            var out: [Entry] = []
            do {
                try tree.list(dir) { out.append($0) }
                return out
            } catch let e as TreeError where e.isRetryable && attempt < retries {
                attempt += 1
                usleep(UInt32(min(retryWait, 600) * 1_000_000))
            }
        }
    }

    /// Visits every pair below `root`, a folder's children together (`folder` first).
    /// `folder` returns whether to descend into a pair of folders. Listing failures go to `onError`
    /// (a source folder that cannot be listed is not descended, and nothing under it is deleted).
    public func march(
        _ root: String = "",
        onError: (TreeError, _ side: String) throws -> Void,
        folder: (_ path: String, _ children: [Pair], _ ownFiles: [Entry]) throws -> [String]
    ) throws {
        var pending = [root]
        while let dir = pending.popLast() {
            var src: [Entry] = [], dst: [Entry] = []
            do { src = try listing(source, dir) } catch let e as TreeError {
                try onError(e, "source")
                continue
            }
            var targetListed = true
            do { dst = try targetListing?(dir) ?? listing(target, dir) } catch let e as TreeError {
                if e.kind != .notFound { try onError(e, "target"); targetListed = false }
            }
            if !targetListed { continue }
            // Names no target can have (a hostile or broken server: `../../x`, `a:b`, NUL) are
            // reported and dropped here, before anything joins them into a path.
            src = try admissible(src, in: dir, side: "source", tree: source, onError: onError)
            dst = try admissible(dst, in: dir, side: "target", tree: target, onError: onError)
            var own: [Entry] = []
            var byKey: [String: Entry] = [:]
            for e in dst {
                if isOwnFile(String(e.name)) { own.append(e) } else { byKey[Self.key(e.name)] = e }
            }
            var pairs: [Pair] = []
            // The filter's patterns are relative to the share root, wherever the march starts.
            for e in src where filter.admits(path: e.path, isDirectory: e.kind == .directory) {
                let k = Self.key(e.name)
                pairs.append(Pair(path: e.path, source: e, target: byKey.removeValue(forKey: k)))
            }
            // Target entries excluded by the filter are not the pass's business either.
            for (_, e) in byKey where filter.admits(path: e.path, isDirectory: e.kind == .directory) {
                pairs.append(Pair(path: e.path, source: nil, target: e))
            }
            pairs.sort { $0.path < $1.path }
            let descend = try folder(dir, pairs, own)
            pending.append(contentsOf: descend.sorted(by: >))
        }
    }

    /// The entries of `dir` whose path is `dir` plus one good name; the others go to `onError`.
    func admissible(_ entries: [Entry], in dir: String, side: String, tree: any Tree,
                    onError: (TreeError, _ side: String) throws -> Void) throws -> [Entry] {
        var out: [Entry] = []
        out.reserveCapacity(entries.count)
        func refuse(_ detail: String) throws {
            try onError(TreeError(.invalidArgument, tree: tree.displayName, path: dir, operation: "list folder", detail: detail + ": skipped"), side)
        }
        for e in entries {
            guard let name = dir.isEmpty ? e.path[...] : e.path.hasPrefix(dir + "/") ? e.path.dropFirst(dir.count + 1) : nil else {
                try refuse("the server listed '\(EntryName.shown(e.path[...]))', which is not in this folder")
                continue
            }
            if let problem = EntryName.problem(name) {
                try refuse("the server listed an entry named '\(EntryName.shown(name))', which cannot exist on the target (\(problem))")
                continue
            }
            // No Windows path is longer (and no SMB request could name it): a server nesting
            // folders without end stops here.
            if e.path.utf16.count > EntryName.longestPath {
                try refuse("the server listed '\(EntryName.shown(name))', whose path is longer than the \(EntryName.longestPath) characters any Windows path may have")
                continue
            }
            out.append(e)
        }
        return out
    }

    /// Windows compares names case-insensitively.
    static func key(_ name: Substring) -> String { name.lowercased() }
}
