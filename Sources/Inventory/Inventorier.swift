import Glibc
import MigrateCore
import MigratePlan

/// Counters a progress display shows while a share is walked.
public struct InventoryProgress: Sendable {
    public var share: String
    public var files: Int
    public var folders: Int
    public var bytes: UInt64
    public var currentPath: String
}

/// Walks one source share and fills a `ShareInventory`: counts, largest files, ages, principals
/// from owners and ACLs, names that will be trouble on the target, and what could not be read.
public final class Inventorier {
    let tree: any Tree
    let mapping: ShareMapping
    let policy: ACLPolicy
    let readSecurity: Bool
    let now: Timestamp
    let progress: (InventoryProgress) -> Void
    /// Length of `\\server\share\` on the target, for the MAX_PATH check.
    let targetPrefixLength: Int

    private var principalCounts: [SID: Int] = [:]
    private var siblings: [String: String] = [:]   // lowercased name -> first name, for the current folder
    private var currentFolder: String?
    /// Files up to `wholeFileSize`, picked uniformly at random (full tree paths), for the rate probes.
    public private(set) var smallSample: [Entry] = []
    private var smallSeen = 0
    public static let sampleSize = 200
    /// The size up to which a pass copies a file whole, in one exchange a side.
    public static let wholeFileSize: UInt64 = 1 << 20
    /// Files larger than that: how many, and their bytes (the byte rate's part of an estimate).
    public private(set) var largeFiles = 0
    public private(set) var largeBytes: UInt64 = 0
    /// The largest file's full tree path, for the read-rate probe.
    public private(set) var largestPath: String?
    private var largestSize: UInt64 = 0
    /// The largest file of at most 64 MiB above `wholeFileSize`: the copy probe's byte rate.
    public private(set) var probeLarge: Entry?
    /// Seconds the walk spent listing (what a pass's walk costs), without the descriptor reads.
    public private(set) var listingSeconds = 0.0
    private var securitySeconds = 0.0
    /// The source answered a descriptor query with "not supported": it has none, nothing more is asked.
    private var descriptorsMissing = false

    public init(tree: any Tree, mapping: ShareMapping, policy: ACLPolicy, readSecurity: Bool, now: Timestamp,
                targetPrefixLength: Int, progress: @escaping (InventoryProgress) -> Void = { _ in }) {
        self.tree = tree; self.mapping = mapping; self.policy = policy; self.readSecurity = readSecurity
        self.now = now; self.targetPrefixLength = targetPrefixLength; self.progress = progress
    }

    public func run(into inv: inout ShareInventory) throws {
        let started = monotonicSeconds()
        var lastReport = started
        // The tree is the mapped folder itself (a folder inside a share is opened as a tree of its own).
        let root = ""
        if readSecurity, let sdTree = tree as? any SecurityDescriptorTree {
            countPrincipals(sdTree, root, &inv)
        }
        try tree.walk(root, onError: { error in
            record(error, &inv)
        }) { entry in
            let rel = relative(entry.path, to: root)
            guard mapping.filter.admits(path: rel, isDirectory: entry.kind == .directory) else {
                inv.excluded += 1
                return false
            }
            // A name no pass can use is counted, never walked into: `...` lists its own folder
            // again on Windows-like servers, and a path past Windows' longest has no end.
            guard checkName(entry, rel, &inv), entry.path.utf16.count <= EntryName.longestPath else { return false }
            if entry.kind == .directory {
                inv.folders += 1
            } else {
                inv.files += 1
                inv.bytes += entry.size
                noteLarge(rel, entry.size, &inv)
                if entry.size > largestSize { largestSize = entry.size; largestPath = entry.path }
                sample(entry)
                noteAge(entry, &inv)
            }
            if entry.attributes.contains(.hidden) { inv.hidden += 1 }
            if entry.attributes.contains(.readOnly) { inv.readOnly += 1 }
            if entry.attributes.contains(.system) { inv.system += 1 }
            if readSecurity, let sdTree = tree as? any SecurityDescriptorTree {
                countPrincipals(sdTree, entry.path, &inv)
            }
            let t = monotonicSeconds()
            if t - lastReport > 0.2 {
                lastReport = t
                progress(InventoryProgress(share: mapping.name, files: inv.files, folders: inv.folders, bytes: inv.bytes, currentPath: rel))
            }
            return true
        }
        if readSecurity, let sdTree = tree as? any SecurityDescriptorTree { inv.saclsReadable = sdTree.saclReadable }
        inv.principals = principalCounts.map { sid, count in use(sid, count) }
            .sorted { ($0.decision.hasPrefix("unmapped") ? 0 : 1, $0.sid) < ($1.decision.hasPrefix("unmapped") ? 0 : 1, $1.sid) }
        inv.largest.sort { $0.size > $1.size }
        inv.seconds = monotonicSeconds() - started
        listingSeconds = max(inv.seconds - securitySeconds, 0)
    }

    /// Reservoir sampling of the small files; the large ones are counted and the probe's file kept.
    private func sample(_ entry: Entry) {
        guard entry.size <= Self.wholeFileSize else {
            largeFiles += 1
            largeBytes += entry.size
            if entry.size <= 64 << 20, entry.size > probeLarge?.size ?? 0 { probeLarge = entry }
            return
        }
        smallSeen += 1
        if smallSample.count < Self.sampleSize { smallSample.append(entry) }
        else if case let j = Int.random(in: 0..<smallSeen), j < Self.sampleSize { smallSample[j] = entry }
    }

    private func record(_ error: TreeError, _ inv: inout ShareInventory) {
        inv.unreadableCount += 1
        if inv.unreadable.count < ShareInventory.listLimit {
            inv.unreadable.append(.init(path: relative(error.path, to: mapping.source.subpath), operation: error.operation,
                                        reason: error.cause))
        }
    }

    private func countPrincipals(_ tree: any SecurityDescriptorTree, _ path: String, _ inv: inout ShareInventory) {
        guard !descriptorsMissing else { return }
        let t0 = monotonicSeconds()
        defer { securitySeconds += monotonicSeconds() - t0 }
        do {
            let sd = try tree.securityDescriptor(path)
            for sid in sd.principals { principalCounts[sid, default: 0] += 1 }
            guard !path.isEmpty else { return }
            if !sd.explicitDACL.isEmpty { inv.explicitACLs += 1 }
            if sd.isProtected {
                inv.protectedCount += 1
                if inv.protectedEntries.count < ShareInventory.listLimit {
                    inv.protectedEntries.append(relative(path, to: mapping.source.subpath))
                }
            }
            if !(sd.sacl ?? []).isEmpty { inv.withSACL += 1 }
        } catch {
            guard error.kind == .notSupported else { record(error, &inv); return }
            descriptorsMissing = true
            inv.sourceLacks.append("the source gives no security descriptors (\(error.cause)): owners and ACLs cannot be copied; "
                                   + (policy.unreadable == .inherit ? "the target's entries will inherit from their parent (acl: unreadable: inherit)"
                                                                    : "every entry will fail (acl: unreadable: fail)"))
        }
    }

    private func use(_ sid: SID, _ count: Int) -> ShareInventory.PrincipalUse {
        let name = policy.names[sid] ?? WellKnownNames.names[sid.description]
        switch policy.resolve(sid) {
        case .same:
            return .init(sid: sid.description, name: name, entries: count, decision: "same", target: sid.description, targetName: name)
        case .mapped(let to):
            return .init(sid: sid.description, name: name, entries: count, decision: "mapped", target: to.description,
                         targetName: policy.names[to] ?? WellKnownNames.names[to.description])
        case .unmapped(let how):
            switch how {
            case .keep: return .init(sid: sid.description, name: name, entries: count, decision: "unmapped: kept as is")
            case .drop: return .init(sid: sid.description, name: name, entries: count, decision: "unmapped: dropped")
            case .fail: return .init(sid: sid.description, name: name, entries: count, decision: "unmapped: sync will fail")
            case .fallback(let f):
                return .init(sid: sid.description, name: name, entries: count, decision: "unmapped: fallback",
                             target: f.description, targetName: policy.names[f])
            }
        }
    }

    /// Counts the name's problems; false when no pass could use it at all.
    private func checkName(_ entry: Entry, _ rel: String, _ inv: inout ShareInventory) -> Bool {
        let parent = parentPath(rel)
        if parent != currentFolder { currentFolder = parent; siblings.removeAll(keepingCapacity: true) }
        var problems = NameCheck.problems(name: entry.name, fullPathLength: targetPrefixLength + rel.utf16.count)
        // `../../x` as one listed name: its last component looks harmless, its path does not.
        let usable = !rel.split(separator: "/", omittingEmptySubsequences: false).contains(where: { EntryName.problem($0) != nil })
        if !usable { problems.append(.notAName) }
        let key = entry.name.lowercased()
        if let other = siblings[key], other != String(entry.name) { problems.append(.caseCollision) }
        else { siblings[key] = String(entry.name) }
        for p in problems {
            inv.nameIssueCount += 1
            if inv.nameIssues.count < ShareInventory.listLimit { inv.nameIssues.append(.init(path: rel, problem: p.rawValue)) }
        }
        return usable
    }

    private func noteLarge(_ path: String, _ size: UInt64, _ inv: inout ShareInventory) {
        if inv.largest.count < 10 { inv.largest.append(.init(path: path, size: size)); return }
        if let i = inv.largest.indices.min(by: { inv.largest[$0].size < inv.largest[$1].size }), inv.largest[i].size < size {
            inv.largest[i] = .init(path: path, size: size)
        }
    }

    private func noteAge(_ entry: Entry, _ inv: inout ShareInventory) {
        guard let m = entry.times.modified else { return }
        let years = Double(now.ticks - m.ticks) / (365.25 * 86400 * 10_000_000)
        let bucket = years < 1 ? 0 : years < 3 ? 1 : years < 5 ? 2 : years < 10 ? 3 : 4
        inv.ageHistogram[ShareInventory.ageBuckets[bucket], default: 0] += 1
        inv.byYear[m.year, default: 0] += 1
    }
}

func relative(_ path: String, to root: String) -> String {
    guard !root.isEmpty else { return path }
    if path == root { return "" }
    return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
}

