import Catalog
import Foundation
import MigrateCore
import MigratePlan

/// One mirror pass over one share: march source and target, decide, record each decision in the
/// catalog, act on it, then delete what is gone (behind the mirror guard) and set folder
/// metadata last, deepest first (creating children moves a folder's times).
public final class SyncPass {
    public struct Options: Sendable {
        public var dryRun = false
        public var allowMassDelete = false
        /// Largest share of the target a pass may delete without --allow-mass-delete…
        public var massDeleteLimit = 0.10
        /// …once it deletes more than this many entries (a renamed folder in a tiny share is no alarm).
        public var massDeleteFloor = 50
        public var retries = 2
        public var retryWait: Double = 2
        public var copySecurity = true
        public var aclCheck: ACLCheck = .auto
        /// A delta that takes the target side from the catalog instead of listing it (NetApp
        /// XCP's way): about half the listing work. Entries put on the target by others are not
        /// seen; the cutover's final sync never uses it.
        public var trustCatalog = false
        /// Worker processes for file jobs (0: everything in this process).
        public var workers = 0
        /// How to start one: the `migrate worker …` command line for this share.
        public var workerCommand: [String] = []
        /// Asked before each action: a signal number when the run is to stop (Ctrl-C, SIGTERM,
        /// SIGHUP); the pass then stops taking work, records what finished and ends interrupted.
        public var stopRequested: @Sendable () -> Int32? = { nil }
        public init() {}
    }

    /// The pass stopped on a signal; what finished before is recorded.
    public struct Interrupted: Error, CustomStringConvertible {
        public let signal: Int32
        public init(signal: Int32) { self.signal = signal }
        public var name: String { Self.name(signal) }
        public var description: String { "interrupted by \(name)" }
        public static func name(_ sig: Int32) -> String {
            switch sig { case SIGINT: "SIGINT"; case SIGTERM: "SIGTERM"; case SIGHUP: "SIGHUP"; default: "signal \(sig)" }
        }
    }

    /// Which unchanged-looking entries get their source descriptor compared with the catalog.
    /// Windows moves an entry's change time when its ACL changes, so listings catch that; Samba
    /// reports the write time as change time, so an ACL edit there is only seen by reading it.
    public enum ACLCheck: String, Sendable, CaseIterable {
        case auto      // folders, when the source's change times look unmaintained; otherwise none
        case folders   // every folder (where admins change ACLs)
        case all       // every entry: thorough, about 6 x a listing
        case none
    }

    public enum Event {
        case folder(String)
        case done(WorkItem.Action, String, bytes: UInt64)
        case failed(String, String)
        case bytes(Int)
        case deleting(Int)
        /// What the pass will examine, when known: the catalog's entries (a delta) or the plan's inventory (a first pass).
        case expected(entries: Int)
        /// Source entries examined so far.
        case examined(Int)
    }

    let mapping: ShareMapping
    let source: any Tree
    let target: any Tree
    let catalog: CatalogDatabase
    let options: Options
    let detector: ChangeDetector
    let translator: SecurityTranslator
    let events: (Event) -> Void
    let log: PassLog?

    public init(mapping: ShareMapping, source: any Tree, target: any Tree, catalog: CatalogDatabase, policy: ACLPolicy,
                options: Options, log: PassLog?, events: @escaping (Event) -> Void = { _ in }) {
        self.mapping = mapping; self.source = source; self.target = target; self.catalog = catalog; self.options = options
        self.detector = ChangeDetector(source: source, target: target, fatTimes: mapping.fatTimes)
        self.translator = SecurityTranslator(policy: policy)
        self.log = log; self.events = events
    }

    public func run() throws -> PassSummary {
        let started = Date()
        let shareID = try catalog.shareID(for: mapping)
        // A delta once the target reflects something of the source (a first pass with a few failed files counts).
        let syncedCount = try catalog.syncedCount(share: shareID)
        let isDelta = syncedCount > 0
        let kind: PassRecord.Kind = options.dryRun ? .dryRun : (isDelta ? .delta : .full)
        // Trusting the catalog needs a catalog that is whole: after an interrupted or failed pass
        // (temporary files, half-applied metadata) the target is listed again. A dry run decides
        // exactly as the pass it previews would.
        let previous = try catalog.passes(share: mapping.name, limit: 5).first { $0.kind != .dryRun }
        let quick = options.trustCatalog && isDelta && previous?.status == .completed
        var summary = PassSummary(share: mapping.name, kind: quick ? "quick delta" : kind.rawValue)
        let forecast = options.dryRun ? nil
            : PassForecast.next(isDelta: isDelta, passes: try catalog.passes(share: mapping.name, limit: 20), estimate: try catalog.estimate(share: shareID))
        let passID = try catalog.beginPass(share: shareID, kind: kind, at: started.timeIntervalSince1970, forecast: forecast, log: log?.path)
        summary.logFile = log?.path
        log?.line("pass", "\(kind.rawValue) pass \(passID) of \(mapping.name): \(mapping.source) -> \(mapping.targetDescription)"
                  + (forecast.map { String(format: "; forecast %.0f s (%@)", $0.seconds, $0.basis) } ?? ""))
        for (side, tree) in [("source", source), ("target", target)] {
            if let t = tree as? any TransportDescribingTree { log?.line("transport", "\(side) \(t.displayName): \(t.transportSummary)") }
        }
        let expected = isDelta ? syncedCount : try catalog.inventoried(share: shareID)?.entries
        if let expected, expected > 0 { events(.expected(entries: expected)) }
        // A target folder inside a share is made on the first pass, with its parents.
        if !options.dryRun, let sub = target as? SubfolderTree, (try? target.stat("")) == nil {
            try sub.create()
            log?.line("mkdir", "\(sub.displayName) (the mapped target folder)")
        }
        let state = State(shareID: shareID, passID: passID, summary: summary)
        state.quick = quick
        if options.trustCatalog && !quick && isDelta {
            log?.line("pass", "the previous pass did not complete: the target is listed, not taken from the catalog")
        }
        state.runner = JobRunner(source: source, target: target, translator: translator, copySecurity: options.copySecurity,
                                 retries: options.retries, wait: options.retryWait)
        defer { state.pool?.close() }
        do {
            try march(state)
            if let pool = state.pool { try handle(try pool.drain(), state) }
            try record(state, force: true)
            try deleteAndFinish(state)
            try record(state, force: true)
            state.runner.settle()
            summary = state.summary
        } catch let stop as Interrupted {
            // What is in flight finishes and is recorded; nothing new starts.
            if let pool = state.pool { try? handle(try pool.drain(), state) }
            try? record(state, force: true)
            summary = state.summary
            summary.stopped = "\(stop); what finished is recorded, and the next pass goes on from there"
            summary.seconds = Date().timeIntervalSince(started)
            try? catalog.finishPass(passID, status: .stopped, counts: summary.counts, message: stop.description, at: Date().timeIntervalSince1970)
            log?.line("pass", "stopped: \(stop); \(summary.counts.described())")
            return summary
        } catch {
            try? record(state, force: true)
            summary = state.summary
            summary.seconds = Date().timeIntervalSince(started)
            try? catalog.finishPass(passID, status: .failed, counts: summary.counts, message: "\(error)", at: Date().timeIntervalSince1970)
            log?.line("error", "pass failed: \(error)")
            throw error
        }
        summary.seconds = Date().timeIntervalSince(started)
        let status: PassRecord.Status = summary.stopped != nil ? .stopped : (summary.counts.failed > 0 ? .failed : .completed)
        try catalog.finishPass(passID, status: status, counts: summary.counts, message: summary.stopped, at: Date().timeIntervalSince1970)
        log?.line("pass", "\(status.rawValue): \(summary.counts.described())")
        return summary
    }

    /// Everything a pass accumulates; a class so the march callbacks can share it.
    final class State {
        let shareID: Int64
        let passID: Int64
        var summary: PassSummary
        var targetEntries = 0
        var sourceRootEmpty = false
        var sourceUnlisted = false
        var deletes: [Entry] = []
        var folderMetadata: [Entry] = []
        /// Folders the pass creates: their metadata is part of the copy, not a separate update.
        var newFolders: Set<String> = []
        var aclCheck: ACLCheck = .none
        /// The target side comes from the catalog (see `Options.trustCatalog`).
        var quick = false
        var syncedCache: [String: [String: SyncedEntry]] = [:]
        var pool: WorkerPool?
        var runner: JobRunner!
        var pending: [Int: WorkItem] = [:]
        var nextJob = 0
        /// Source entries of the folders being walked, to re-apply a folder's times once the pass
        /// has written into it (every create, rename or delete moves the target folder's times).
        var folders: [String: Entry] = [:]
        var scheduled: Set<String> = []
        /// Finished copies not yet in the catalog: written together, every `recordEvery` or
        /// `recordSeconds` (a killed pass loses at most those, which the next pass sees as
        /// metadata to set again, not as data to copy).
        var unrecorded: [(entry: SyncedEntry, action: WorkItem.Action, attempts: Int)] = []
        var recorded = Date()

        func scheduleFolderMetadata(_ e: Entry) {
            if scheduled.insert(e.path).inserted { folderMetadata.append(e) }
        }

        /// The inline runner's copier, for what the coordinator does itself (folders, deletes, cleanup).
        var copier: FileCopier { runner.copier }

        init(shareID: Int64, passID: Int64, summary: PassSummary) {
            self.shareID = shareID; self.passID = passID; self.summary = summary
        }
    }

    private func march(_ st: State) throws {
        // The share root's own times, attributes and ACL travel too (robocopy /COPYALL does the same).
        if let srcRoot = try? source.stat("") {
            st.folders[""] = srcRoot
            let synced = try catalog.synced(share: st.shareID, path: "")
            // A mapped target folder a dry run finds missing is one the pass makes, then gives the root's metadata.
            let dstRoot = try? target.stat("")
            if dstRoot == nil && target is SubfolderTree || dstRoot.map({ detector.decide(source: srcRoot, target: $0, synced: synced) == .metadata }) == true {
                st.scheduleFolderMetadata(srcRoot)
            }
        }
        var marcher = Marcher(source: source, target: target, filter: mapping.filter, retries: options.retries,
                              retryWait: options.retryWait, isOwnFile: FileCopier.isTemporaryName)
        if st.quick {
            // What the catalog says each target entry is: the source state it was made equal to.
            marcher.targetListing = { [catalog] dir in
                let synced = try catalog.syncedChildren(share: st.shareID, of: dir)
                st.syncedCache[dir] = synced
                return synced.values.map {
                    Entry(path: $0.path, kind: $0.kind, size: $0.size,
                          times: FileTimes(created: $0.created, modified: $0.modified, changed: $0.changed),
                          attributes: $0.attributes.union($0.kind == .directory ? .directory : []))
                }
            }
        }
        try marcher.march(onError: { error, side in
            // A folder that cannot be listed is recorded; nothing below it is deleted or copied.
            st.summary.counts.failed += 1
            // The reason names the server: on the target side it may be one the plan never listed before.
            let reason = "\(error.tree): \(error.reason)"
            st.summary.failures.append(.init(path: error.path, action: "list \(side)", reason: reason))
            self.log?.line("error", "list \(side) \(error.path): \(reason)")
            self.events(.failed(error.path, reason))
            if !self.options.dryRun {
                try self.catalog.enqueue(pass: st.passID, [WorkItem(path: error.path, action: .list, kind: .directory, size: 0)])
                try self.catalog.complete(pass: st.passID, path: error.path, action: .list, attempts: 1, error: "list \(side): \(reason)")
            }
            if side == "source" { st.sourceUnlisted = true }
        }) { dir, pairs, own in
            try stopIfAsked()
            events(.folder(dir))
            if dir.isEmpty { st.aclCheck = resolveACLCheck(pairs) }
            if dir.isEmpty && !pairs.contains(where: { $0.source != nil }) { st.sourceRootEmpty = true }
            // A large file's temporary file whose name still matches its unchanged source is kept: the copy resumes from it.
            let resumable = Set(pairs.compactMap { p -> String? in
                guard let s = p.source, s.kind == .file, s.size >= FileCopier.resumableSize,
                      p.target == nil || p.target?.size != s.size || p.target?.times.modified != s.times.modified else { return nil }
                return FileCopier.temporaryPath(s)
            })
            for leftover in own where !options.dryRun && !resumable.contains(leftover.path) {
                // A temporary file of an interrupted pass: never a real name, always ours to remove
                // (clearing read-only first: it may have been killed half way through its metadata).
                do { try st.copier.remove(leftover); log?.line("cleanup", leftover.path) }
                catch { log?.line("error", "cleanup \(leftover.path): \(error)") }
            }
            // The dry run reads the catalog too: it decides with the same function over the same state.
            let synced = try st.syncedCache.removeValue(forKey: dir) ?? catalog.syncedChildren(share: st.shareID, of: dir)
            var work: [(WorkItem, Entry?, Entry?)] = []
            var descend: [String] = []
            let descriptors = prefetchDescriptors(pairs, synced: synced, check: st.aclCheck)
            for pair in pairs {
                if pair.target != nil { st.targetEntries += 1 }
                guard let src = pair.source else {
                    // The share root is never a mirror delete, whatever a listing says.
                    if mapping.mirror, let t = pair.target, !t.path.isEmpty {
                        st.deletes.append(t)
                        if let f = st.folders[dir] { st.scheduleFolderMetadata(f) }
                    }
                    continue
                }
                st.summary.counts.sourceEntries += 1
                var decision = detector.decide(source: src, target: pair.target, synced: synced[src.path])
                if decision == .skip, st.aclCheck == .all || (st.aclCheck == .folders && src.kind == .directory),
                   let known = synced[src.path]?.sdHash, let sdTree = source as? any SecurityDescriptorTree,
                   let sd = descriptors[src.path] ?? (try? sdTree.securityDescriptor(src.path)), FileCopier.hash(sd) != known {
                    decision = .metadata
                }
                switch (src.kind, decision) {
                case (.directory, .copy), (.directory, .replace):
                    work.append((WorkItem(path: src.path, action: .mkdir, kind: .directory, size: 0), src, pair.target))
                    st.scheduleFolderMetadata(src)
                    st.newFolders.insert(src.path)
                    st.folders[src.path] = src
                    descend.append(src.path)
                case (.directory, _):
                    if decision == .metadata { st.scheduleFolderMetadata(src) } else { st.summary.counts.skipped += 1 }
                    st.folders[src.path] = src
                    descend.append(src.path)
                case (.file, .copy):
                    work.append((WorkItem(path: src.path, action: .copy, kind: .file, size: src.size), src, nil))
                case (.file, .update), (.file, .replace):
                    work.append((WorkItem(path: src.path, action: .update, kind: .file, size: src.size), src, pair.target))
                case (.file, .metadata):
                    work.append((WorkItem(path: src.path, action: .metadata, kind: .file, size: 0), src, pair.target))
                case (.file, .skip):
                    st.summary.counts.skipped += 1
                }
            }
            events(.examined(st.summary.counts.sourceEntries))
            // Metadata-only changes leave the folder's times alone; anything that adds or renames does not.
            if work.contains(where: { $0.0.action != .metadata }) || !own.isEmpty, let f = st.folders[dir] { st.scheduleFolderMetadata(f) }
            st.folders[dir] = nil
            if options.dryRun {
                for (item, _, _) in work { plan(item, st) }
                return descend
            }
            // The decisions are rows before they are actions.
            try catalog.enqueue(pass: st.passID, work.map(\.0))
            for (item, src, existing) in work {
                try perform(item, src!, existing, st)
            }
            return descend
        }
    }

    /// The descriptors the ACL check of this folder's children will compare, read together where
    /// the source can (one exchange per batch instead of one per entry).
    private func prefetchDescriptors(_ pairs: [Marcher.Pair], synced: [String: SyncedEntry], check: ACLCheck) -> [String: SecurityDescriptor] {
        guard check != .none, let batch = source as? any BatchSecurityDescriptorTree else { return [:] }
        let paths = pairs.compactMap { p -> String? in
            guard let s = p.source, check == .all || s.kind == .directory, synced[s.path]?.sdHash != nil else { return nil }
            return s.path
        }
        return paths.count > 1 ? batch.securityDescriptors(paths) : [:]
    }

    private func resolveACLCheck(_ rootPairs: [Marcher.Pair]) -> ACLCheck {
        guard options.copySecurity, source is any SecurityDescriptorTree else { return .none }
        guard options.aclCheck == .auto else { return options.aclCheck }
        let entries = rootPairs.compactMap(\.source)
        let unmaintained = !entries.isEmpty && entries.allSatisfy { $0.times.changed == nil || $0.times.changed == $0.times.modified }
        if unmaintained { log?.line("acl-check", "the source reports write times as change times: folder ACLs are read each pass") }
        return unmaintained ? .folders : .none
    }

    /// Counts what the real pass would do for `item` (`entries`: a delete's entries, its folder's contents included).
    private func plan(_ item: WorkItem, _ st: State, entries: Int = 1) {
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
    private func perform(_ item: WorkItem, _ src: Entry, _ existing: Entry?, _ st: State, parallel: Bool = false) throws {
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
                try fail(item, Self.describe(error).0, attempts: 1, st)
            }
        case .copy, .update, .metadata:
            st.nextJob += 1
            let job = WorkJob(id: st.nextJob, action: item.action == .copy ? .copy : item.action == .update ? .update : .metadata,
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

    private func stopIfAsked() throws {
        if let sig = options.stopRequested() {
            throw Interrupted(signal: sig)
        }
    }

    static let recordEvery = 500
    static let recordSeconds = 1.0

    /// Writes the finished copies to the catalog in one transaction, when enough have gathered
    /// or enough time has passed (or now, with `force`).
    private func record(_ st: State, force: Bool) throws {
        guard !st.unrecorded.isEmpty else { return }
        guard force || st.unrecorded.count >= Self.recordEvery || Date().timeIntervalSince(st.recorded) >= Self.recordSeconds else { return }
        try catalog.recordDone(share: st.shareID, pass: st.passID, st.unrecorded)
        st.unrecorded.removeAll(keepingCapacity: true)
        st.recorded = Date()
    }

    /// Records what came back from jobs: the catalog, the counts, the log.
    private func handle(_ results: [WorkResult], _ st: State) throws {
        guard !results.isEmpty else { return }
        for r in results {
            guard let item = st.pending.removeValue(forKey: r.id) else { continue }
            if r.attempts > 1 { log?.line("retry", "\(item.path): \(r.attempts) attempts") }
            if let resumed = r.resumed, resumed > 0 { log?.line("resume", "\(item.path) from byte \(resumed)") }
            guard let synced = r.synced, r.error == nil else {
                try fail(item, r.error ?? "failed", attempts: r.attempts, st)
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

    private func fail(_ item: WorkItem, _ reason: String, attempts: Int, _ st: State) throws {
        st.summary.counts.failed += 1
        st.summary.failures.append(.init(path: item.path, action: item.action.rawValue, reason: reason))
        try catalog.complete(pass: st.passID, path: item.path, action: item.action, attempts: attempts, error: reason)
        log?.line("error", "\(item.action.rawValue) \(item.path): \(reason)")
        events(.failed(item.path, reason))
    }

    static func describe(_ error: Error) -> (String, Bool) {
        if let e = error as? TreeError { return (e.description, e.isRetryable) }
        return ("\(error)", false)
    }

    /// The entries deleting `entry` removes from the target: itself and, for a folder, everything
    /// listed below it.
    private func entriesBelow(_ entry: Entry) throws -> Int {
        guard entry.kind == .directory else { return 1 }
        var count = 1
        try target.walk(entry.path, onError: { throw $0 }) { _ in count += 1; return true }
        return count
    }

    /// Mirror deletions (behind the guard), then folder metadata deepest first.
    private func deleteAndFinish(_ st: State) throws {
        let deletes = st.deletes
        if !deletes.isEmpty {
            var refuse: String?
            if st.sourceRootEmpty {
                refuse = "the source share lists no entries at all while the target has \(st.targetEntries): is the right share mounted? Nothing was deleted."
            } else if st.sourceUnlisted {
                refuse = "some source folders could not be listed; deleting from the target is skipped this pass so nothing is lost."
            } else if !options.allowMassDelete {
                // Count what the deletes take away, subtrees included, against what the target holds.
                var doomed = 0
                for d in deletes {
                    doomed += 1 + (d.kind == .directory ? try catalog.syncedCount(share: st.shareID, below: d.path) : 0)
                }
                let total = max(st.targetEntries, try catalog.syncedCount(share: st.shareID))
                if doomed > options.massDeleteFloor, total > 0, Double(doomed) > options.massDeleteLimit * Double(total) {
                    refuse = "the pass would delete \(doomed) of \(total) target entries (more than \(Int(options.massDeleteLimit * 100)) %); nothing was deleted. Check the source, then rerun with --allow-mass-delete."
                }
            }
            if let refuse {
                // A dry run states the guard's verdict as the real pass would meet it.
                st.summary.stopped = "mirror guard: " + (options.dryRun ? "the real pass would delete nothing: " : "") + refuse
                log?.line("guard", refuse)
            } else if options.dryRun {
                for d in deletes {
                    plan(WorkItem(path: d.path, action: .delete, kind: d.kind, size: d.size), st, entries: try entriesBelow(d))
                }
            } else {
                let items = deletes.map { WorkItem(path: $0.path, action: .delete, kind: $0.kind, size: $0.size) }
                try catalog.enqueue(pass: st.passID, items)
                events(.deleting(deletes.count))
                for (item, entry) in zip(items, deletes).sorted(by: { $0.0.path > $1.0.path }) {
                    try perform(item, entry, nil, st)
                }
            }
        }
        if options.dryRun {
            for f in st.folderMetadata where !st.newFolders.contains(f.path) {
                plan(WorkItem(path: f.path, action: .metadata, kind: .directory, size: 0), st)
            }
            return
        }
        let folders = st.folderMetadata.sorted { $0.depth > $1.depth }
        try catalog.enqueue(pass: st.passID, folders.map { WorkItem(path: $0.path, action: .metadata, kind: .directory, size: 0) })
        // Deepest first; the folders of one depth are independent, so the workers take them
        // together, and each depth is finished before its parents start.
        var start = folders.startIndex
        while start < folders.endIndex {
            let depth = folders[start].depth
            let end = folders[start...].firstIndex { $0.depth != depth } ?? folders.endIndex
            for f in folders[start..<end] {
                try perform(WorkItem(path: f.path, action: .metadata, kind: .directory, size: 0), f, nil, st, parallel: true)
            }
            if let pool = st.pool { try handle(try pool.drain(), st) }
            start = end
        }
    }
}
