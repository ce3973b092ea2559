import Catalog
import MigratePlan
import Reports
import XCTest

/// The dry-run report says how many actions it leaves out, as its list counts them.
final class SyncReportTests: XCTestCase {
    func testTheListSaysHowManyActionsItLeavesOut() throws {
        var s = PassSummary(share: "Finance", kind: "dry-run")
        s.planned = [.init(action: "delete", path: "Old", bytes: 0)]
        s.plannedActions = 3
        s.counts.deleted = 631
        let plan = try PlanLoader.parse("""
            migration: t
            servers: {a: {host: h, user: u, password_env: P}}
            shares: [{source: //a/S, target: /srv/t}]
            """, file: "/tmp/p.yaml")
        let md = SyncReport.markdown([s], plan: plan)
        XCTAssertTrue(md.contains("- … and 2 more (see sync-dry-run.json)"), md)
        XCTAssertTrue(md.contains("| 631 |"), "deletions in entries in the table: \(md)")
    }
}
