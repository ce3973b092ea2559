import Catalog
import Cutover
import Foundation
import MigrateCore
import MigratePlan
import XCTest

/// The state machine, windows and forecast with a real catalog, an injected clock and a real
/// (command) freeze provider that records what it was asked to do.
final class CutoverRunnerTests: XCTestCase {
    var dir: URL!
    var catalog: CatalogDatabase!
    var shareID: Int64 = 0
    var said: [String] = []
    var syncFailures = 0

    let berlin = TimeZone(identifier: "Europe/Berlin")!
    var window: CutoverWindow {
        CutoverWindow(start: date("2026-11-28T18:00:00+01:00"), end: date("2026-11-30T06:00:00+01:00"), timeZone: berlin)
    }

    func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cutover-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        catalog = try CatalogDatabase(path: dir.appendingPathComponent("c.sqlite").path)
        shareID = try catalog.shareID(name: "Finance", source: "\\\\old\\Finance", target: "\\\\new\\Finance")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A completed full pass and a delta pass of `deltaSeconds`.
    func synced(deltaSeconds: Double) throws {
        let full = try catalog.beginPass(share: shareID, kind: .full, at: 1000)
        try catalog.finishPass(full, status: .completed, counts: PassCounts(), message: nil, at: 1100)
        let delta = try catalog.beginPass(share: shareID, kind: .delta, at: 2000)
        try catalog.finishPass(delta, status: .completed, counts: PassCounts(), message: nil, at: 2000 + deltaSeconds)
    }

    func runner(now: String, force: Bool = false, ignoreForecast: Bool = false, yes: Bool = false) -> CutoverRunner {
        var o = CutoverOptions()
        o.force = force; o.ignoreForecast = ignoreForecast; o.yes = yes; o.operatorName = "tester"
        let log = dir.appendingPathComponent("actions.log").path
        let freezer = CommandFreeze(command: "echo \"$MIGRATE_ACTION $MIGRATE_SHARE\" >> '\(log)'", host: "old", share: "Finance")
        let decom = CommandDecommission(command: "echo \"$MIGRATE_ACTION $MIGRATE_SHARE\" >> '\(log)'", host: "old", share: "Finance")
        let work = CutoverWork(finalSync: { [unowned self] in (self.syncFailures, "delta") },
                               verify: { (true, "0 differences", "verify.md") },
                               sourceChanges: { [] }, manifest: { ("manifest.sha256", 3) })
        return CutoverRunner(share: "Finance", shareID: shareID, catalog: catalog, schedule: WindowSchedule([window]),
                             clock: CutoverClock(fixed: date(now)), options: o, freezer: freezer, namespace: nil, link: nil,
                             newTarget: LinkTarget(server: "new", share: "Finance"), decommissioner: decom, work: work,
                             say: { [unowned self] in self.said.append($0) })
    }

    func actions() -> [String] {
        ((try? String(contentsOf: dir.appendingPathComponent("actions.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func state() throws -> String? { try catalog.cutover(share: shareID)?.state }

    func testRefusedOutsideWindowsWithTheNextOneNamed() throws {
        try synced(deltaSeconds: 30)
        XCTAssertThrowsError(try runner(now: "2026-11-25T12:00:00+01:00").advance(through: .switch)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("outside every cutover window"), text)
            XCTAssertTrue(text.contains("2026-11-28 18:00 Europe/Berlin"), text)
            XCTAssertTrue((e as? CutoverError)?.isRefusal == true)
        }
        XCTAssertEqual(actions(), [], "nothing may change outside a window")
        XCTAssertNil(try state())
        XCTAssertEqual(try catalog.steps(share: shareID).map(\.status), [.refused], "the refusal is journaled")
    }

    func testInsideTheWindowRunsEveryWeekendStepInOrder() throws {
        try synced(deltaSeconds: 30)
        try runner(now: "2026-11-28T19:00:00+01:00").advance(through: .switch)
        XCTAssertEqual(try state(), "switched")
        XCTAssertEqual(actions(), ["freeze Finance"])
        let steps = try catalog.steps(share: shareID)
        XCTAssertEqual(steps.map(\.step), ["freeze", "final-sync", "verify", "switch"])
        XCTAssertEqual(Set(steps.map(\.status)), [.done])
        XCTAssertEqual(Set(steps.map(\.operatorName)), ["tester"])
        XCTAssertNil(steps[0].forced)
    }

    /// A state this version does not know (a newer version's, a damaged catalog) is never read
    /// as "synced": nothing runs, not even a freeze, and the error says what the catalog holds.
    func testAnUnknownStateInTheCatalogStopsEveryStep() throws {
        try synced(deltaSeconds: 30)
        try catalog.saveCutover(share: shareID, CutoverRecord(state: "half-frozen-v9", updated: 1))
        for attempt in [{ try self.runner(now: "2026-11-28T19:00:00+01:00").advance(through: .switch) },
                        { try self.runner(now: "2026-11-28T19:00:00+01:00").run(.freeze) }] {
            XCTAssertThrowsError(try attempt()) { error in
                XCTAssertTrue("\(error)".contains("the cutover state 'half-frozen-v9', which this version does not know"), "\(error)")
            }
        }
        XCTAssertEqual(actions(), [], "no freeze")
        XCTAssertEqual(try state(), "half-frozen-v9")
    }

    func testForecastThatDoesNotFitIsRefusedUnlessOverridden() throws {
        try synced(deltaSeconds: 3600)   // the last delta took an hour; 10 minutes are left
        XCTAssertThrowsError(try runner(now: "2026-11-30T05:50:00+01:00").advance(through: .switch)) { e in
            XCTAssertTrue("\(e)".contains("forecast at 75 min"), "\(e)")
            XCTAssertTrue("\(e)".contains("closes in 10 min"), "\(e)")
        }
        XCTAssertEqual(actions(), [])
        try runner(now: "2026-11-30T05:50:00+01:00", ignoreForecast: true).advance(through: .freeze)
        XCTAssertEqual(try state(), "frozen")
        let freeze = try catalog.steps(share: shareID).last!
        XCTAssertTrue(freeze.forced?.contains("--ignore-forecast") == true, "the override is logged: \(freeze.forced ?? "nil")")
    }

    func testNoDeltaPassMeansNoForecastAndARefusal() throws {
        let full = try catalog.beginPass(share: shareID, kind: .full, at: 1000)
        try catalog.finishPass(full, status: .completed, counts: PassCounts(), message: nil, at: 1100)
        XCTAssertThrowsError(try runner(now: "2026-11-28T19:00:00+01:00").advance(through: .freeze)) { e in
            XCTAssertTrue("\(e)".contains("no delta pass"), "\(e)")
        }
    }

    func testForceOutsideAWindowIsLogged() throws {
        try synced(deltaSeconds: 30)
        try runner(now: "2026-12-24T12:00:00+01:00", force: true).advance(through: .freeze)
        XCTAssertEqual(try state(), "frozen")
        let step = try catalog.steps(share: shareID).last!
        XCTAssertTrue(step.forced?.hasPrefix("--force: outside every cutover window") == true, step.forced ?? "nil")
        XCTAssertTrue(said.contains { $0.contains("[override: --force") })
    }

    func testIllegalTransitionsSayWhatComesFirst() throws {
        try synced(deltaSeconds: 30)
        XCTAssertThrowsError(try runner(now: "2026-11-28T19:00:00+01:00", yes: true).run(.decommission)) { e in
            XCTAssertTrue("\(e)".contains("cannot decommission while synced; next is: freeze"), "\(e)")
        }
        XCTAssertThrowsError(try runner(now: "2026-11-28T19:00:00+01:00").run(.rollback)) { e in
            XCTAssertTrue("\(e)".contains("nothing to roll back"), "\(e)")
        }
        try runner(now: "2026-11-28T19:00:00+01:00").advance(through: .switch)
        XCTAssertThrowsError(try runner(now: "2026-11-28T20:00:00+01:00").run(.decommission)) { e in
            XCTAssertTrue("\(e)".contains("--yes"), "\(e)")
        }
        try runner(now: "2026-12-01T10:00:00+01:00", force: true, yes: true).run(.decommission)
        XCTAssertEqual(try state(), "decommissioned")
        XCTAssertThrowsError(try runner(now: "2026-12-01T10:00:00+01:00").run(.rollback)) { e in
            XCTAssertTrue("\(e)".contains("decommissioned"), "\(e)")
        }
        XCTAssertEqual(actions(), ["freeze Finance", "decommission Finance"])
    }

    func testFailedFinalSyncStopsTheCutoverFrozenAndRollbackUnfreezes() throws {
        try synced(deltaSeconds: 30)
        syncFailures = 2
        XCTAssertThrowsError(try runner(now: "2026-11-28T19:00:00+01:00").advance(through: .switch)) { e in
            XCTAssertTrue("\(e)".contains("final sync ended with 2 failures"), "\(e)")
        }
        XCTAssertEqual(try state(), "frozen")
        XCTAssertEqual(try catalog.steps(share: shareID).last?.status, .failed)
        try runner(now: "2026-11-28T19:30:00+01:00").run(.rollback)
        XCTAssertEqual(try state(), "rolled-back")
        XCTAssertEqual(actions(), ["freeze Finance", "unfreeze Finance"])
    }

    func testAStepLeftRunningByACrashIsRedone() throws {
        try synced(deltaSeconds: 30)
        // As a killed process leaves it: the freeze journaled as running, no state change saved.
        _ = try catalog.beginStep(share: shareID, step: "freeze", from: "synced", operatorName: "tester", forced: nil, at: 10)
        try runner(now: "2026-11-28T19:00:00+01:00").advance(through: .freeze)
        let steps = try catalog.steps(share: shareID)
        XCTAssertEqual(steps.map(\.status), [.interrupted, .done])
        XCTAssertEqual(try state(), "frozen")
    }

    func testWindowScheduleAndSpans() {
        let s = WindowSchedule([window])
        XCTAssertNil(s.window(at: date("2026-11-28T17:59:00+01:00")))
        XCTAssertNotNil(s.window(at: date("2026-11-28T18:00:00+01:00")))
        XCTAssertNil(s.window(at: date("2026-11-30T06:00:00+01:00")), "the end is exclusive")
        XCTAssertEqual(s.next(after: date("2026-11-01T00:00:00Z"))?.start, window.start)
        XCTAssertEqual(CutoverRunner.span(45), "45 s")
        XCTAssertNil(PassForecast.finalSync(passes: []))
        XCTAssertEqual(CutoverRunner.span(600), "10 min")
    }
}

/// Operator commands (and helpers) run without our secrets: the plan's password_env variables
/// stay in `migrate` (they were inherited by every command and helper).
final class ChildEnvironmentTests: XCTestCase {
    func testAnOperatorCommandGetsTheCutoverFactsAndNoPasswordVariable() throws {
        setenv("MIGRATE_FS01_PASSWORD", "hunter2-secret", 1)
        setenv("SOME_TOKEN", "also-secret", 1)
        defer { unsetenv("MIGRATE_FS01_PASSWORD"); unsetenv("SOME_TOKEN") }
        let out = try ShellCommand("env").run(environment: ["MIGRATE_ACTION": "freeze", "MIGRATE_SHARE": "Finance"], what: "test")
        XCTAssertTrue(out.contains("MIGRATE_ACTION=freeze") && out.contains("MIGRATE_SHARE=Finance"), out)
        XCTAssertTrue(out.contains("PATH="), "what a command needs to run")
        XCTAssertFalse(out.contains("hunter2-secret") || out.contains("also-secret"), out)
        let env = ChildEnvironment.minimal(adding: ["PASSWD": "for smbclient"], from: ["PATH": "/bin", "KRB5CCNAME": "FILE:/tmp/k", "LC_ALL": "C",
                                                                                     "MIGRATE_FS01_PASSWORD": "x", "AWS_SECRET": "y"])
        XCTAssertEqual(env, ["PATH": "/bin", "KRB5CCNAME": "FILE:/tmp/k", "LC_ALL": "C", "PASSWD": "for smbclient"])
    }
}
