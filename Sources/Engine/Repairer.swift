import Catalog
import Foundation
import MigrateCore
import MigratePlan

/// Makes exactly the entries a verification found different equal to their source again, while
/// the source is frozen (the cutover's verify step): data differences are copied again (a
/// missing or replaced folder with everything in it), metadata differences re-applied, entries
/// only the target has removed. What it did is recorded in the catalog as a pass of its own.
public struct Repairer {
    public typealias Outcome = RepairOutcome
    public typealias Result = RepairResult

    enum Repair: Int, Comparable {
        case metadata, data, remove
        static func < (a: Repair, b: Repair) -> Bool { a.rawValue < b.rawValue }

        /// The work item it is recorded as.
        var action: WorkItem.Action { switch self { case .metadata: .metadata; case .data: .update; case .remove: .delete } }

        /// What mends one kind of difference; nil where no copy can (the server cannot list a folder).
        init?(_ what: String) {
            switch what {
            case "attributes", "create time", "owner", "group", "DACL", "inheritance (protected)", "security descriptor",
                 "cannot read the security descriptor": self = .metadata
            case "temporary file left on the target", "extra on the target": self = .remove
            case _ where what.hasPrefix("cannot list"): return nil
            default: self = .data   // missing, kind, size, write time, content, streams, cannot read
            }
        }
    }

    let mapping: ShareMapping
    let source: any Tree
    let target: any Tree
    let catalog: CatalogDatabase
    let runner: JobRunner
    let log: (String, String) -> Void

    public init(mapping: ShareMapping, source: any Tree, target: any Tree, catalog: CatalogDatabase, policy: ACLPolicy,
                copySecurity: Bool = true, retries: Int = 2, retryWait: Double = 2, log: @escaping (String, String) -> Void = { _, _ in }) {
        self.mapping = mapping; self.source = source; self.target = target; self.catalog = catalog; self.log = log
        runner = JobRunner(source: source, target: target, translator: SecurityTranslator(policy: policy), copySecurity: copySecurity,
                           retries: retries, wait: retryWait)
    }

    /// Repairs each path once, by the strongest repair its differences need (a copy also sets
    /// the metadata; a removal ends both).
    public func run(_ differences: [Verifier.Difference]) throws -> Result {
        var needed: [String: Repair] = [:]
        var unrepairable: [String: String] = [:]
        for d in differences {
            guard let r = Repair(d.what) else { unrepairable[d.path] = "\(d.what): \(d.source)"; continue }
            needed[d.path] = max(needed[d.path] ?? r, r)
        }
        let shareID = try catalog.shareID(for: mapping)
        let passID = try catalog.beginPass(share: shareID, kind: .repair, at: Date().timeIntervalSince1970)
        log("pass", "repair pass \(passID) of \(mapping.name): \(needed.count + unrepairable.count) entries verification found different")
        var result = Result()
        var counts = PassCounts()
        // Work items like a pass's, so `status` lists what failed.
        try catalog.enqueue(pass: passID, unrepairable.keys.map { WorkItem(path: $0, action: .list, kind: .directory, size: 0) }
                                          + needed.map { WorkItem(path: $0.key, action: $0.value.action, kind: .file, size: 0) })
        for (path, reason) in unrepairable.sorted(by: { $0.key < $1.key }) {
            result.outcomes.append(Outcome(path: path, action: "not repairable", error: reason))
            try catalog.complete(pass: passID, path: path, action: .list, attempts: 1,
                                 error: TreeError(.notSupported, tree: target.displayName, path: path, operation: "repair", detail: reason))
        }
        // Parents before children: a folder copied again brings its children, which are then skipped.
        var covered: [String] = []
        for (path, repair) in needed.sorted(by: { $0.key < $1.key }) {
            if covered.contains(where: { path.hasPrefix($0 + "/") }) { continue }
            var outcome = Outcome(path: path, action: "", error: nil)
            var failure: TreeError?
            do {
                var done: [(entry: SyncedEntry, action: WorkItem.Action, attempts: Int)] = []
                try apply(repair, path, &outcome.action, &done, &counts)
                if outcome.action == Result.copiedFolder { covered.append(path) }
                try catalog.recordDone(share: shareID, pass: passID, done)
                log("repair", "\(path): \(outcome.action)")
            } catch {
                failure = .of(error, tree: target.displayName, path: path, operation: "repair")
                outcome.error = failure!.description
                counts.failed += 1
                log("error", "repair \(path): \(outcome.error!)")
            }
            result.outcomes.append(outcome)
            try catalog.complete(pass: passID, path: path, action: repair.action, attempts: 1, error: failure)
        }
        counts.failed += unrepairable.count
        try catalog.finishPass(passID, status: result.failed.isEmpty ? .completed : .failed, counts: counts, message: nil,
                               at: Date().timeIntervalSince1970)
        return result
    }

    /// Does one repair; `action` names it first, so a failure says what was tried.
    private func apply(_ repair: Repair, _ path: String, _ action: inout String,
                       _ done: inout [(entry: SyncedEntry, action: WorkItem.Action, attempts: Int)], _ counts: inout PassCounts) throws {
        let src = try Verifier.entry(source, path)
        let dst = try Verifier.entry(target, path)
        if repair == .remove || src == nil {
            action = "removed from the target"
            guard let dst else { return }
            counts.deleted += try runner.copier.remove(dst)
            try catalog.forget(share: try catalog.shareID(for: mapping), path: path)
            return
        }
        guard let src else { return }
        switch (repair, src.kind) {
        case (.metadata, _):
            action = "metadata applied again"
            done.append((try job(.metadata, src, dst), .metadata, 1))
            counts.metadata += 1
        case (_, .file):
            action = "copied again"
            done.append((try job(dst == nil ? .copy : .update, src, dst), dst == nil ? .copy : .update, 1))
            counts.updated += 1
            counts.bytes += src.size
        case (_, .directory):
            action = Result.copiedFolder
            if let dst, dst.kind != .directory { try runner.copier.remove(dst) }
            if dst?.kind != .directory { try makeDirectory(path) }
            var folders = [src]
            try source.walk(path, onError: { throw $0 }) { e in
                guard mapping.filter.admits(path: e.path, isDirectory: e.kind == .directory) else { return false }
                if e.kind == .directory {
                    try makeDirectory(e.path)
                    folders.append(e)
                } else {
                    let existing = try Verifier.entry(target, e.path)
                    done.append((try job(existing == nil ? .copy : .update, e, existing), .copy, 1))
                    counts.copied += 1
                    counts.bytes += e.size
                }
                return true
            }
            // Folder metadata last, deepest first (creating children moves a folder's times).
            for f in folders.sorted(by: { $0.depth > $1.depth }) { done.append((try job(.metadata, f, nil), .metadata, 1)) }
            counts.copiedFolders += folders.count
        }
    }

    private func makeDirectory(_ path: String) throws {
        do { try target.makeDirectory(path) } catch { if error.kind != .alreadyExists { throw error } }
    }

    /// One job through the same runner (and retries) as a pass.
    private func job(_ action: WorkItem.Action, _ entry: Entry, _ existing: Entry?) throws -> SyncedEntry {
        let r = runner.run(WorkJob(id: 0, action: action, entry: entry, existing: existing))
        if let error = r.error { throw error }
        guard let synced = r.synced else {
            throw TreeError(.unexpected, tree: target.displayName, path: entry.path, operation: "repair", detail: "the job came back with no result")
        }
        return synced
    }
}
