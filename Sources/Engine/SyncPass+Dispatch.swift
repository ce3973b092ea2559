import Catalog
import Foundation
import MigrateCore
import MigratePlan

extension SyncPass {
    /// A folder's decided work: counted for a dry run; otherwise recorded in the catalog (the
    /// decisions are rows before they are actions), then carried out.
    func dispatch(_ work: [Work], _ st: State) throws {
        if options.dryRun {
            for w in work { plan(w.item, st) }
            return
        }
        try catalog.enqueue(pass: st.passID, work.map(\.item))
        for w in work { try perform(w.item, w.source, w.existing, st) }
    }

    /// Counts what the real pass would do for `item` (`entries`: a delete's entries, its folder's contents included).
    func plan(_ item: WorkItem, _ st: State, entries: Int = 1) {
        switch item.action {
        case .copy: st.summary.counts.copied += 1
        case .update: st.summary.counts.updated += 1
        case .metadata: st.summary.counts.metadata += 1
        case .delete: st.summary.counts.deleted += entries
        case .mkdir: st.summary.counts.copiedFolders += 1
        case .list: break
        }
        let bytes = item.action == .copy || item.action == .update ? item.size : 0
        st.summary.counts.bytes += bytes
        st.summary.plannedBytes += bytes
        st.summary.plannedActions += 1
        if st.summary.planned.count < PassSummary.plannedLimit {
            st.summary.planned.append(.init(action: item.action.rawValue, path: item.path, bytes: bytes))
        }
    }

    /// Carries out one decided action. Folders (create, delete) are done here, in order; file
    /// copies and metadata go to the workers (or run inline without them), with retries there.
    /// `parallel`: a folder's metadata may go to the workers too (the caller drains them).
    func perform(_ item: WorkItem, _ src: Entry, _ existing: Entry?, _ st: State, parallel: Bool = false) throws {
        try stopIfAsked()
        switch item.action {
        case .list: return   // only ever recorded as failed
        case .mkdir, .delete:
            do {
                if item.action == .mkdir {
                    if let existing { try st.copier.remove(existing) }
                    do { try target.makeDirectory(src.path) } catch { if error.kind != .alreadyExists { throw error } }
                    st.summary.counts.copiedFolders += 1   // its times and ACL come with the folder's metadata, last
                } else {
                    // Counted in entries, a folder's contents included (what a dry run counts too).
                    st.summary.counts.deleted += try st.copier.remove(src)
                    try catalog.forget(share: st.shareID, path: src.path)
                }
                try catalog.complete(pass: st.passID, path: item.path, action: item.action, attempts: 1, error: nil)
                log?.line(item.action.rawValue, src.path)
                events(.done(item.action, src.path, bytes: 0))
            } catch {
                try fail(item, .of(error, tree: target.displayName, path: item.path, operation: item.action.rawValue), attempts: 1, st)
            }
        case .copy, .update, .metadata:
            st.nextJob += 1
            let job = WorkJob(id: st.nextJob, action: item.action,
                              entry: src, existing: existing)
            st.pending[job.id] = item
            // Workers start with the first file to copy: a delta with nothing to do spawns none.
            if st.pool == nil, src.kind == .file, options.workers > 0, !options.workerCommand.isEmpty {
                st.pool = try WorkerPool(command: options.workerCommand, count: options.workers)
            }
            if let pool = st.pool, src.kind == .file || parallel {
                try handle(try pool.submit(job), st)
                try handle(try pool.collect(block: false), st)
            } else {
                try handle([st.runner.run(job) { self.events(.bytes($0)) }], st)
            }
        }
    }

    func stopIfAsked() throws {
        if let sig = options.stopRequested() {
            throw Interrupted(signal: sig)
        }
    }

    static let recordEvery = 500
    static let recordSeconds = 1.0

    /// Writes the finished copies to the catalog in one transaction, when enough have gathered
    /// or enough time has passed (or now, with `force`).
    func record(_ st: State, force: Bool) throws {
        guard !st.unrecorded.isEmpty else { return }
        guard force || st.unrecorded.count >= Self.recordEvery || Date().timeIntervalSince(st.recorded) >= Self.recordSeconds else { return }
        try catalog.recordDone(share: st.shareID, pass: st.passID, st.unrecorded)
        st.unrecorded.removeAll(keepingCapacity: true)
        st.recorded = Date()
    }

    /// Records what came back from jobs: the catalog, the counts, the log.
    func handle(_ results: [WorkResult], _ st: State) throws {
        guard !results.isEmpty else { return }
        for r in results {
            guard let item = st.pending.removeValue(forKey: r.id) else { continue }
            st.missing.add(r.missing)
            if r.attempts > 1 { log?.line("retry", "\(item.path): \(r.attempts) attempts") }
            if let resumed = r.resumed, resumed > 0 { log?.line("resume", "\(item.path) from byte \(resumed)") }
            guard let synced = r.synced, r.error == nil else {
                try fail(item, r.error ?? TreeError(.unexpected, tree: target.displayName, path: item.path, operation: item.action.rawValue,
                                                    detail: "the job came back with neither a result nor an error"), attempts: r.attempts, st)
                continue
            }
            st.summary.acl.add(r.acl)
            switch item.action {
            case .copy: st.summary.counts.copied += 1
            case .update: st.summary.counts.updated += 1
            // A new folder was counted as copied; its metadata is part of that copy.
            default: if item.kind != .directory || !st.newFolders.contains(item.path) { st.summary.counts.metadata += 1 }
            }
            st.summary.counts.bytes += r.bytes
            if st.pool != nil { events(.bytes(Int(r.bytes))) }
            st.unrecorded.append((synced, item.action, r.attempts))
            log?.line(item.action.rawValue, item.path)
            events(.done(item.action, item.path, bytes: r.bytes))
        }
        try record(st, force: false)
    }

    func fail(_ item: WorkItem, _ error: TreeError, attempts: Int, _ st: State) throws {
        st.summary.counts.failed += 1
        st.summary.failures.append(.init(path: item.path, action: item.action.rawValue, error: error))
        try catalog.complete(pass: st.passID, path: item.path, action: item.action, attempts: attempts, error: error)
        log?.line("error", "\(item.action.rawValue) \(item.path): \(error)")
        events(.failed(item.path, error.description))
    }
}
