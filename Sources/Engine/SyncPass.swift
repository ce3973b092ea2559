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
            summary.sourceLacks = sourceLacks(state)
        } catch let stop as Interrupted {
            // What is in flight finishes and is recorded; nothing new starts.
            if let pool = state.pool { try? handle(try pool.drain(), state) }
            try? record(state, force: true)
            summary = state.summary
            summary.sourceLacks = sourceLacks(state)
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

    /// What the source lacks, said once for the pass (and in its log).
    func sourceLacks(_ st: State) -> [String] {
        var gaps = st.missing
        gaps.add(st.runner.copier.missing)
        var out: [String] = []
        if gaps.descriptors {
            out.append("the source gives no security descriptors (\(gaps.descriptorError ?? "not supported")): owners and ACLs were not copied"
                       + (translator.unreadable == .inherit ? "; the target's entries inherit from their parent (acl: unreadable: inherit)"
                                                           : "; entries that needed one failed (acl: unreadable: fail)"))
        }
        if gaps.streams { out.append("the source has no alternate data streams (it does not answer the stream query): none were copied") }
        for line in out { log?.line("source", line) }
        return out
    }
}
