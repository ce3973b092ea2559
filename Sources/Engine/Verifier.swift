import Foundation
import MigrateCore
import MigratePlan

/// Compares a source and a target tree completely: every entry on both sides, file sizes, write
/// and create times, attributes, content checksums (both sides read in full) and the owner,
/// group, DACL and its protected flag after the plan's SID mapping. The cutover's verify step:
/// any difference stops it.
public struct Verifier {
    public typealias Difference = VerificationDifference
    public typealias Result = VerificationResult

    /// Which files have their content read on both sides and compared by SHA-256.
    public enum Content: Sendable, Hashable {
        case all
        case none
        /// This many files, picked at random among those the walk finds (`migrate verify --sample`).
        case sample(Int)
    }

    let source: any Tree
    let target: any Tree
    let mapping: ShareMapping
    let translator: SecurityTranslator
    let compareSecurity: Bool
    let content: Content
    let detector: ChangeDetector
    let limit = 10_000
    let progress: (String) -> Void

    public init(source: any Tree, target: any Tree, mapping: ShareMapping, policy: ACLPolicy, compareSecurity: Bool = true,
                content: Content = .all, progress: @escaping (String) -> Void = { _ in }) {
        self.source = source; self.target = target; self.mapping = mapping
        translator = SecurityTranslator(policy: policy)
        self.compareSecurity = compareSecurity
        self.content = content
        detector = ChangeDetector(source: source, target: target, fatTimes: mapping.fatTimes)
        self.progress = progress
    }

    /// Everything, from the share root.
    public func run() throws -> Result {
        let c = Comparison(self)
        try march("", c)
        return try c.finish()
    }

    /// These entries again (after a repair): each one's own pair, and with `subtree` everything
    /// below it too (a folder that was missing or of the other kind).
    public func recheck(_ paths: [(path: String, subtree: Bool)]) throws -> Result {
        let c = Comparison(self)
        var seen = Set<String>()
        for (path, subtree) in paths.sorted(by: { $0.path < $1.path }) where seen.insert(path).inserted {
            let s = try Self.entry(source, path), t = try Self.entry(target, path)
            let own = t.map { FileCopier.isTemporaryName(String($0.name)) } ?? false
            if own, let t { c.differ(path, "temporary file left on the target", "", "\(t.size) bytes"); continue }
            if s == nil && t == nil { continue }
            if compare(Marcher.Pair(path: path, source: s, target: t), c), subtree { try march(path, c) }
        }
        return try c.finish()
    }

    /// An entry, or nil where there is none.
    static func entry(_ tree: any Tree, _ path: String) throws -> Entry? {
        do { return try tree.stat(path) } catch where error.kind == .notFound { return nil }
    }

    /// What one comparison gathers; a class so the march's callbacks can add to it.
    final class Comparison {
        var result = Result()
        let started = Date()
        let limit: Int
        let sampleSize: Int?
        /// The files whose content is compared at the end (a uniform sample: reservoir sampling).
        var sample: [Entry] = []
        var seenFiles = 0
        let verifier: Verifier
        /// The source answered "not supported" to a descriptor query: it has none to compare.
        var noSourceDescriptors = false

        init(_ v: Verifier) {
            verifier = v; limit = v.limit
            if case .sample(let n) = v.content { sampleSize = max(n, 0) } else { sampleSize = nil }
        }

        func differ(_ path: String, _ what: String, _ s: String, _ t: String) {
            result.differenceCount += 1
            if result.differences.count < limit { result.differences.append(Difference(path: path, what: what, source: s, target: t)) }
        }

        /// Content of a file pair of equal size: now (every file), later (a sample) or never.
        func content(_ s: Entry, _ t: Entry) {
            switch verifier.content {
            case .all: verifier.compareContent(s, t, self)
            case .none: break
            case .sample:
                seenFiles += 1
                guard let n = sampleSize, n > 0 else { return }
                if sample.count < n { sample.append(s) } else {
                    let j = Int.random(in: 0..<seenFiles)
                    if j < n { sample[j] = s }
                }
            }
        }

        func finish() throws -> Result {
            for s in sample.sorted(by: { $0.path < $1.path }) {
                // Looked up again: the walk keeps only the source side of a sampled pair.
                if let t = try Verifier.entry(verifier.target, s.path) { verifier.compareContent(s, t, self) }
            }
            result.seconds = Date().timeIntervalSince(started)
            return result
        }
    }

    func march(_ root: String, _ c: Comparison) throws {
        let marcher = Marcher(source: source, target: target, filter: mapping.filter, retries: 2, retryWait: 1,
                              isOwnFile: { FileCopier.isTemporaryName($0) })
        try marcher.march(root, onError: { error, side in
            c.differ(error.path, "cannot list the \(side)", error.cause, "")
        }, folder: { dir, pairs, own in
            progress(dir)
            for o in own { c.differ(o.path, "temporary file left on the target", "", "\(o.size) bytes") }
            return pairs.filter { compare($0, c) }.map(\.path)
        })
    }

    /// Compares one pair; returns whether it is a pair of folders (to descend into).
    func compare(_ pair: Marcher.Pair, _ c: Comparison) -> Bool {
        guard let s = pair.source else {
            // Without mirroring, what only the target has is expected to stay.
            if mapping.mirror { c.differ(pair.path, "extra on the target", "", pair.target!.kind.rawValue) }
            return false
        }
        guard let t = pair.target else { c.differ(pair.path, "missing on the target", s.kind.rawValue, ""); return false }
        if s.kind != t.kind { c.differ(pair.path, "kind", s.kind.rawValue, t.kind.rawValue); return false }
        if s.kind == .directory {
            c.result.folders += 1
        } else {
            c.result.files += 1
            c.result.bytes += s.size
            if s.size != t.size { c.differ(pair.path, "size", "\(s.size)", "\(t.size)") }
            if !detector.sameTime(s.times.modified, t.times.modified) {
                c.differ(pair.path, "write time", "\(s.times.modified.map { "\($0)" } ?? "-")", "\(t.times.modified.map { "\($0)" } ?? "-")")
            }
            if s.size == t.size { c.content(s, t) }
        }
        let sa = s.attributes.intersection(.portable), ta = t.attributes.intersection(.portable)
        if sa != ta { c.differ(pair.path, "attributes", "\(sa)", "\(ta)") }
        compareDetails(s, t, c.differ)
        if compareSecurity, !c.noSourceDescriptors, compareDescriptors(pair.path, c) { c.result.descriptorsCompared += 1 }
        return s.kind == .directory
    }

    /// SHA-256 of both sides' content.
    func compareContent(_ s: Entry, _ t: Entry, _ c: Comparison) {
        do {
            let (a, b) = (try Self.checksum(source, s.path), try Self.checksum(target, t.path))
            c.result.contentCompared += 1
            if a != b { c.differ(s.path, "content", a, b) }
        } catch { c.differ(s.path, "cannot read", error.cause, "") }
    }

    /// Create times at whole seconds (what SMB1 reports and what can be set on the target), and
    /// the alternate data streams: names, sizes and content. One details round trip per side.
    func compareDetails(_ s: Entry, _ t: Entry, _ differ: (String, String, String, String) -> Void) {
        guard s.kind == .file else { return }
        let streams = source is any AlternateStreamTree && target is any AlternateStreamTree
        let needSource = streams || s.times.created == nil, needTarget = streams || t.times.created == nil
        let sd = needSource ? (try? (source as? any DetailedTree)?.details(s.path)) ?? nil : nil
        let td = needTarget ? (try? (target as? any DetailedTree)?.details(t.path)) ?? nil : nil
        // A whole second apart: some readers round create times to the second, others truncate.
        if let sc = s.times.created ?? sd?.created, let tc = t.times.created ?? td?.created, abs(sc.ticks - tc.ticks) >= 10_000_000 {
            differ(s.path, "create time", "\(sc)", "\(tc)")
        }
        guard streams, let sd, let td, let src = source as? any AlternateStreamTree, let dst = target as? any AlternateStreamTree else { return }
        let a = Dictionary(sd.streams.map { ($0.name, $0.size) }, uniquingKeysWith: { x, _ in x })
        let b = Dictionary(td.streams.map { ($0.name, $0.size) }, uniquingKeysWith: { x, _ in x })
        for name in Set(a.keys).union(b.keys).sorted() {
            guard let sa = a[name], let tb = b[name] else {
                differ(s.path, "stream :\(name)", a[name].map { "\($0) bytes" } ?? "missing", b[name].map { "\($0) bytes" } ?? "missing")
                continue
            }
            if sa != tb { differ(s.path, "stream :\(name) size", "\(sa)", "\(tb)"); continue }
            do {
                let (x, y) = (try Self.checksum(src, src.streamPath(s.path, name)), try Self.checksum(dst, dst.streamPath(t.path, name)))
                if x != y { differ(s.path, "stream :\(name) content", x, y) }
            } catch { differ(s.path, "cannot read stream :\(name)", error.cause, "") }
        }
    }

    /// Whether both descriptors could be read and compared. A source without descriptors (a NAS,
    /// a FAT volume) is said once and its entries' ACLs are not compared: the target's entries
    /// inherit from their parent (`acl: unreadable: inherit`), which is what the pass set.
    func compareDescriptors(_ path: String, _ c: Comparison) -> Bool {
        guard let src = source as? any SecurityDescriptorTree, let dst = target as? any SecurityDescriptorTree else { return false }
        let differ = c.differ
        let original: SecurityDescriptor
        switch Swift.Result(catching: { () throws(TreeError) in try src.securityDescriptor(path) }) {
        case .success(let sd): original = sd
        case .failure(let e) where e.kind == .notSupported:
            c.noSourceDescriptors = true
            c.result.sourceLacks.append("the source gives no security descriptors (\(e.cause)): owners and ACLs were not compared")
            if translator.unreadable == .fail { differ(path, "cannot read the security descriptor", e.description, "") }
            return false
        case .failure(let e):
            differ(path, "cannot read the security descriptor", e.description, "")
            return false
        }
        do {
            var counts = SecurityTranslator.Counts()
            var expected = try translator.translate(original, counts: &counts)
            // A mapped folder's inherited ACEs come from its parent on the target (as the pass set them).
            if path.isEmpty, let sub = target as? SubfolderTree, let parent = try sub.parentSecurityDescriptor() {
                expected = InheritedACL.rebased(expected, under: parent)
            }
            let actual = try dst.securityDescriptor(path)
            if expected.owner != actual.owner { differ(path, "owner", "\(expected.owner.map { "\($0)" } ?? "-")", "\(actual.owner.map { "\($0)" } ?? "-")") }
            if expected.group != actual.group { differ(path, "group", "\(expected.group.map { "\($0)" } ?? "-")", "\(actual.group.map { "\($0)" } ?? "-")") }
            if expected.isProtected != actual.isProtected { differ(path, "inheritance (protected)", "\(expected.isProtected)", "\(actual.isProtected)") }
            // Servers may reorder ACEs (Samba sorts them), so the DACL is compared as a set.
            if Set(expected.dacl ?? []) != Set(actual.dacl ?? []) {
                differ(path, "DACL", expected.sddl, actual.sddl)
            }
            return true
        } catch let e as TreeError {
            differ(path, "cannot read the security descriptor", e.description, "")
        } catch {
            differ(path, "security descriptor", "\(error)", "")
        }
        return false
    }

    /// SHA-256 of a file's content, read in 1 MiB pieces.
    public static func checksum(_ tree: any Tree, _ path: String) throws(TreeError) -> String {
        let file = try tree.openForReading(path)
        defer { try? file.close() }
        var hash = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return Hex.encode(hash.finish())
    }
}
