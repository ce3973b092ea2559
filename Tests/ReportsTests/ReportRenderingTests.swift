import Catalog
import Foundation
import MigrateCore
import MigratePlan
import XCTest
@testable import Reports

/// The verify and status reports from fixed inputs: what a manager reads, in Markdown, HTML and JSON.
final class ReportRenderingTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString.prefix(8))")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    let header = VerifyReport.Header(migration: "Contoso 2026", share: "Finance", source: "\\\\old\\Finance", target: "\\\\new\\Finance",
                                     operatorName: "ops@host", date: Date(timeIntervalSince1970: 1_796_000_000),
                                     kind: "cutover verify, source frozen", contentCompared: "every file")

    func plan() throws -> Plan {
        try PlanLoader.parse("""
            migration: Contoso 2026
            servers: {a: {host: h, user: u, password_env: P}}
            shares: [{source: //a/Finance, target: /srv/t}]
            """, file: "/tmp/p.yaml")
    }

    func outcome() -> VerificationOutcome {
        var found = VerificationResult()
        found.files = 10; found.folders = 2; found.bytes = 2048; found.descriptorsCompared = 12; found.contentCompared = 10; found.seconds = 3
        found.differences = [VerificationDifference(path: "Q1|draft.xlsx", what: "content", source: "sha256 ab", target: "sha256 cd"),
                             VerificationDifference(path: "Old", what: "extra on the target", source: "", target: "directory")]
        found.differenceCount = 2
        let repair = RepairResult(outcomes: [RepairOutcome(path: "Q1|draft.xlsx", action: "copied again"),
                                             RepairOutcome(path: "Old", action: "removed from the target", error: "access denied")])
        var after = VerificationResult()
        after.differences = [VerificationDifference(path: "Old", what: "extra on the target", source: "", target: "directory")]
        after.differenceCount = 1
        return VerificationOutcome(found: found, repair: repair, after: after)
    }

    func testTheVerifyReportSaysWhoWhatAndEveryDifferenceInEachFormat() throws {
        let md = try VerifyReport.write(outcome(), header: header, stamp: "20261203-120000", to: dir.path)
        XCTAssertEqual(md, dir.path + "/Finance-verify-20261203-120000.md")
        let text = try String(contentsOfFile: md, encoding: .utf8)
        for line in ["# Verification: Finance", "| Migration | Contoso 2026 |", "| Operator | ops@host |", "| Content compared | every file |",
                     "- 10 files (2.0 KiB), 2 folders", "**Result: 1 differences after the repair.**",
                     "| Q1\\|draft.xlsx | content | sha256 ab | sha256 cd |", "| Old | removed from the target | **failed**: access denied |",
                     "## After the repair"] {
            XCTAssertTrue(text.contains(line), "\(line) in:\n\(text)")
        }
        let html = try String(contentsOfFile: dir.path + "/Finance-verify-20261203-120000.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<th>Path</th>") && html.contains("<td>content</td>"), html)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("Finance-verify-20261203-120000.json"))) as? [String: Any]
        XCTAssertEqual(json?["clean"] as? Bool, false)
        XCTAssertEqual((json?["found"] as? [String: Any])?["differenceCount"] as? Int, 2)
        XCTAssertEqual((json?["header"] as? [String: Any])?["operatorName"] as? String, "ops@host")
    }

    func testACleanVerificationSaysIdenticalAndListsNothing() {
        var found = VerificationResult()
        found.files = 3
        let md = VerifyReport.markdown(VerificationOutcome(found: found), header: header)
        XCTAssertTrue(md.hasSuffix("**Result: identical.**\n"), md)
        XCTAssertFalse(md.contains("## Differences"), md)
    }

    func testTheStatusReportShowsEveryPassAgainstItsForecastAndFlagsFailures() throws {
        var counts = PassCounts()
        counts.copied = 90; counts.copiedFolders = 10; counts.bytes = 1 << 20
        var failedCounts = PassCounts()
        failedCounts.failed = 2
        let passes = [
            PassRecord(id: 2, share: "Finance", kind: .delta, status: .failed, started: 1_796_000_100, ended: 1_796_000_110, counts: failedCounts,
                       forecast: .init(seconds: 8, basis: "the last completed delta (#1)")),
            PassRecord(id: 1, share: "Finance", kind: .full, status: .completed, started: 1_796_000_000, ended: 1_796_000_050, counts: counts,
                       forecast: .init(seconds: 40, basis: "the plan's estimate")),
        ]
        let shares = [StatusReport.Share(name: "Finance", source: "\\\\old\\Finance", target: "/srv/t", passes: passes, cutover: ["  cutover: frozen"],
                                         failedByCause: [("in use or locked by another client", 2)]),
                      StatusReport.Share(name: "HR", source: "\\\\old\\HR", target: "/srv/hr", passes: [], cutover: [])]
        let path = try StatusReport.write(shares, plan: try plan(), generated: Date(timeIntervalSince1970: 1_796_000_200), to: dir.path)
        let md = try String(contentsOfFile: path, encoding: .utf8)
        for line in ["# Status: Contoso 2026", "| Finance | `\\\\old\\Finance` | `/srv/t` | #2 delta | ⚠ failed | 0 | 0 | 2 |",
                     "| HR | `\\\\old\\HR` | `/srv/hr` | none yet |", "- cutover: frozen", "⚠ Failed entries of the last pass, by cause: 2 in use or locked by another client",
                     "| 10 s | 8 s (the last completed delta (#1)) | +25 % |", "| 50 s | 40 s (the plan's estimate) | +25 % | 100 |"] {
            XCTAssertTrue(md.contains(line), "\(line) in:\n\(md)")
        }
        let html = try String(contentsOfFile: dir.path + "/status.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"), "a throughput chart")
        XCTAssertTrue(html.contains("#1 full"), "the chart labels its passes")
    }
}
