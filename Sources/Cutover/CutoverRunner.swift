import Catalog
import Foundation
import MigrateCore
import MigratePlan

/// What the steps that need the share's trees do; the command layer supplies them (it owns the
/// connections and the sync machinery).
public struct CutoverWork {
    /// A delta pass; returns the number of failed entries and a one-line summary.
    public var finalSync: () throws -> (failed: Int, summary: String)
    /// A complete comparison; returns whether it was clean, a summary and the report's path.
    public var verify: () throws -> (clean: Bool, summary: String, report: String)
    /// Source entries that differ from what the last pass recorded (empty: untouched since the freeze).
    public var sourceChanges: () throws -> [String]
    /// Writes the cold-backup manifest; returns its path and the number of files.
    public var manifest: () throws -> (path: String, files: Int)

    public init(finalSync: @escaping () throws -> (failed: Int, summary: String),
                verify: @escaping () throws -> (clean: Bool, summary: String, report: String),
                sourceChanges: @escaping () throws -> [String], manifest: @escaping () throws -> (path: String, files: Int)) {
        self.finalSync = finalSync; self.verify = verify; self.sourceChanges = sourceChanges; self.manifest = manifest
    }
}

public struct CutoverOptions: Sendable {
    public var force = false
    public var ignoreForecast = false
    public var yes = false
    public var operatorName = "unknown"
    public init() {}
}

/// Drives one share through its cutover: checks every transition, records every step before it
/// acts and after, and after a crash finishes (or redoes) the step that was under way.
public final class CutoverRunner {
    let share: String
    let shareID: Int64
    let catalog: CatalogDatabase
    let schedule: WindowSchedule
    let clock: CutoverClock
    let options: CutoverOptions
    let freezer: FreezeProvider
    let namespace: NamespaceProvider?
    let link: String?
    let newTarget: LinkTarget
    let decommissioner: DecommissionProvider
    let work: CutoverWork
    let say: (String) -> Void

    public init(share: String, shareID: Int64, catalog: CatalogDatabase, schedule: WindowSchedule, clock: CutoverClock,
                options: CutoverOptions, freezer: FreezeProvider, namespace: NamespaceProvider?, link: String?, newTarget: LinkTarget,
                decommissioner: DecommissionProvider, work: CutoverWork, say: @escaping (String) -> Void) {
        self.share = share; self.shareID = shareID; self.catalog = catalog; self.schedule = schedule; self.clock = clock
        self.options = options; self.freezer = freezer; self.namespace = namespace; self.link = link; self.newTarget = newTarget
        self.decommissioner = decommissioner; self.work = work; self.say = say
    }

    /// The share's state: its record, or `synced` once a pass completed.
    public static func state(catalog: CatalogDatabase, shareID: Int64, share: String) throws -> CutoverState? {
        if let r = try catalog.cutover(share: shareID) { return CutoverState(rawValue: r.state) }
        let synced = try catalog.passes(share: share, limit: 50).contains { $0.status == .completed && $0.kind != .dryRun }
        return synced ? .synced : nil
    }

    func record() throws -> CutoverRecord {
        if let r = try catalog.cutover(share: shareID) { return r }
        guard try Self.state(catalog: catalog, shareID: shareID, share: share) != nil else {
            throw CutoverError.refused("share \(share): never synced; run `migrate sync` (twice: a full pass, then a delta to measure) before the cutover")
        }
        return CutoverRecord(state: CutoverState.synced.rawValue, updated: clock.now.timeIntervalSince1970)
    }

    /// The state the catalog holds. One this version does not know (a newer version's, or a
    /// damaged catalog) stops every step: taken for "synced", it would allow a freeze.
    static func state(of rec: CutoverRecord, share: String) throws -> CutoverState {
        guard let state = CutoverState(rawValue: rec.state) else {
            throw CutoverError.failed("share \(share): the catalog holds the cutover state '\(rec.state)', which this version does not know; nothing was done")
        }
        return state
    }

    /// Runs the weekend's steps from wherever the share stands, through `last`.
    public func advance(through last: CutoverStep) throws {
        guard let lastIndex = CutoverStep.weekend.firstIndex(of: last) else { return try run(last) }
        while true {
            let state = try Self.state(of: try record(), share: share)
            guard let next = CutoverStep.weekend.first(where: { $0.from.contains(state) }),
                  let i = CutoverStep.weekend.firstIndex(of: next), i <= lastIndex else {
                say("\(share): \(state.rawValue)")
                return
            }
            try run(next)
        }
    }

    /// Runs one step (decommission, rollback, or a single weekend step).
    public func run(_ step: CutoverStep) throws {
        try recoverInterruptedStep()
        var rec = try record()
        let state = try Self.state(of: rec, share: share)
        // A freeze interrupted before its state was saved leaves the share "synced" but possibly
        // read-only: rolling that back is allowed (it restores the saved permissions).
        let halfFrozen = step == .rollback && state == .synced && (rec.shareSD != nil || rec.freezeMethod != nil)
        if !halfFrozen {
            do { try step.check(state, share: share) } catch { throw CutoverError.illegal(error) }
        }
        let forced = try admit(step, from: state)
        let id = try catalog.beginStep(share: shareID, step: step.rawValue, from: state.rawValue, operatorName: options.operatorName,
                                       forced: forced, at: clock.now.timeIntervalSince1970)
        say("\(share): \(step.rawValue) (from \(state.rawValue))\(forced.map { " [override: \($0)]" } ?? "")")
        do {
            let (detail, undo) = try perform(step, &rec)
            rec.state = step.to.rawValue
            rec.updated = clock.now.timeIntervalSince1970
            try catalog.saveCutover(share: shareID, rec)
            try catalog.finishStep(id, status: .done, to: step.to.rawValue, detail: detail, undo: undo, at: clock.now.timeIntervalSince1970)
            say("\(share): \(step.to.rawValue)\(detail.isEmpty ? "" : " — " + detail)")
        } catch {
            try? catalog.finishStep(id, status: .failed, to: nil, detail: "\(error)", at: clock.now.timeIntervalSince1970)
            throw error
        }
    }

    /// A step left "running" by a killed process: if its state change was saved it is done,
    /// otherwise it is marked interrupted and the next run does it again (every step is
    /// written to be safe to repeat from what the catalog saved).
    func recoverInterruptedStep() throws {
        guard let last = try catalog.steps(share: shareID).last, last.status == .running else { return }
        let state = try catalog.cutover(share: shareID)?.state
        if let step = CutoverStep(rawValue: last.step), state == step.to.rawValue {
            try catalog.finishStep(last.id, status: .done, to: state, detail: "finished before an interruption", at: clock.now.timeIntervalSince1970)
        } else {
            try catalog.finishStep(last.id, status: .interrupted, to: nil, detail: "the process stopped mid-step; redone by the next run",
                                   at: clock.now.timeIntervalSince1970)
            say("\(share): the \(last.step) started \(Self.time(last.started)) was interrupted; doing it again")
        }
    }

    /// Windows and the forecast. Returns what an override waived, for the journal.
    func admit(_ step: CutoverStep, from state: CutoverState) throws -> String? {
        var waived: [String] = []
        let now = clock.now
        if step == .decommission && !options.yes {
            throw CutoverError.refused("share \(share): decommission takes the old share offline and cannot be rolled back; add --yes")
        }
        guard step.needsWindow else { return nil }
        let window = schedule.window(at: now)
        if window == nil {
            let next = schedule.next(after: now).map { "the next opens \(WindowSchedule.format($0.start, in: $0.timeZone)) (in \(Self.span($0.start.timeIntervalSince(now))))" }
                ?? "the plan has no window ahead"
            let reason = "outside every cutover window; \(next)"
            guard options.force else {
                try catalog.recordRefusal(share: shareID, step: step.rawValue, from: state.rawValue, operatorName: options.operatorName,
                                          reason: reason, at: now.timeIntervalSince1970)
                throw CutoverError.refused("share \(share): \(step.rawValue) refused: \(reason) (--force overrides, and is logged)")
            }
            waived.append("--force: \(reason)")
        }
        if step == .freeze {
            let forecast = PassForecast.finalSync(passes: try catalog.passes(share: share, limit: 20))?.seconds
            let left = window.map { $0.end.timeIntervalSince(now) }
            var problem: String?
            if forecast == nil {
                problem = "no delta pass has been measured; run `migrate sync` once more so the final sync can be forecast"
            } else if let left, forecast! > left {
                problem = "the final sync is forecast at \(Self.span(forecast!)) but the window closes in \(Self.span(left))"
            }
            if let problem {
                guard options.ignoreForecast else {
                    try catalog.recordRefusal(share: shareID, step: step.rawValue, from: state.rawValue, operatorName: options.operatorName,
                                              reason: problem, at: now.timeIntervalSince1970)
                    throw CutoverError.refused("share \(share): freeze refused: \(problem) (--ignore-forecast overrides, and is logged)")
                }
                waived.append("--ignore-forecast: \(problem)")
            } else if let forecast {
                say("\(share): final sync forecast \(Self.span(forecast))\(left.map { ", window closes in \(Self.span($0))" } ?? "")")
            }
        }
        return waived.isEmpty ? nil : waived.joined(separator: "; ")
    }

    /// Does the step's work. Returns a detail line and what undoing needs (for the journal).
    func perform(_ step: CutoverStep, _ rec: inout CutoverRecord) throws -> (String, String?) {
        let save: (CutoverRecord) throws -> Void = { [catalog, shareID] r in try catalog.saveCutover(share: shareID, r) }
        switch step {
        case .freeze:
            if rec.frozenAt == nil { rec.frozenAt = clock.now.timeIntervalSince1970 }
            // The record exists from here on, so a crash cannot lose what the freeze saves.
            try save(rec)
            try freezer.freeze(&rec, save: save, say: say)
            return ("source is read-only for users", rec.shareSD.map { "share permissions before the freeze: " + Hex.encode($0) })
        case .finalSync:
            Failpoint.hit("final-sync-started")
            let r = try work.finalSync()
            Failpoint.hit("final-sync-done")
            guard r.failed == 0 else {
                throw CutoverError.failed("share \(share): the final sync ended with \(r.failed) failures; fix them and run the cutover again (\(r.summary))")
            }
            return (r.summary, nil)
        case .verify:
            let r = try work.verify()
            rec.verifyReport = r.report
            try save(rec)
            guard r.clean else { throw CutoverError.failed("share \(share): verification found differences: \(r.summary); see \(r.report)") }
            return (r.summary + "; report: " + r.report, nil)
        case .switch:
            guard let namespace, let link else { return ("no DFS link in the plan: switch users by other means (login scripts)", nil) }
            if rec.dfsOld == nil {
                let old = try namespace.targets(link)
                rec.dfsLink = link
                rec.dfsOld = old.map(\.description).joined(separator: ";")
                rec.dfsNew = newTarget.description
                try save(rec)
            }
            try namespace.switchLink(link, to: newTarget, say: say)
            return ("\(link) -> \(newTarget)", "link targets before the switch: \(rec.dfsOld ?? "")")
        case .decommission:
            let changed = try work.sourceChanges()
            guard changed.isEmpty else {
                throw CutoverError.failed("share \(share): the source changed since the freeze (\(changed.count) entries, first: \(changed.prefix(3).joined(separator: ", "))); not decommissioning")
            }
            let m = try work.manifest()
            rec.manifest = m.path
            try save(rec)
            try decommissioner.takeOffline(rec, say: say)
            return ("manifest of \(m.files) files: \(m.path)", nil)
        case .rollback:
            if let link = rec.dfsLink, let old = rec.dfsOld, let namespace {
                try namespace.restoreLink(link, to: old.split(separator: ";").compactMap { LinkTarget(unc: $0) }, from: newTarget, say: say)
            }
            try freezer.unfreeze(rec, say: say)
            let undone = rec.shareSD.map { "restored share permissions: " + Hex.encode($0) }
            // A later freeze reads the permissions afresh: they are the server's again.
            rec.shareSD = nil; rec.frozenSD = nil; rec.frozenAt = nil; rec.freezeMethod = nil
            rec.dfsLink = nil; rec.dfsOld = nil; rec.dfsNew = nil
            return ("source writable again\(link == nil ? "" : ", DFS link restored")", undone)
        }
    }

    /// A journal time for people: local time with its zone.
    public static func time(_ t: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        return f.string(from: Date(timeIntervalSince1970: t))
    }

    public static func span(_ s: Double) -> String {
        if s < 90 { return "\(Int(s.rounded())) s" }
        if s < 5400 { return "\(Int((s / 60).rounded())) min" }
        if s < 172_800 { return String(format: "%.1f h", s / 3600) }
        return "\(Int((s / 86400).rounded())) days"
    }
}
