import Foundation
import MigrateCore
import MigratePlan
import XCTest

/// Broken plans must each be reported at the right line:column, with every problem listed.
final class PlanValidationTests: XCTestCase {
    let good = """
    migration: Test
    servers:
      old:
        host: 10.0.0.1
        user: svc
        password_env: OLD_PW
      new:
        host: 10.0.0.2
        user: svc
        password_env: NEW_PW
    shares:
      - source: '\\\\old\\Finance'
        target: '\\\\new\\Finance'
    """

    func problems(_ yaml: String, file: String = "/tmp/plan.yaml") -> [PlanProblem] {
        do {
            _ = try PlanLoader.parse(yaml, file: file)
            XCTFail("plan was accepted:\n\(yaml)")
            return []
        } catch {
            return error.problems
        }
    }

    func assertProblem(_ yaml: String, line: Int, column: Int, contains text: String, file: StaticString = #filePath, at: UInt = #line) {
        let ps = problems(yaml)
        XCTAssertTrue(ps.contains { $0.line == line && $0.column == column && $0.message.contains(text) },
                      "expected \(line):\(column) '\(text)', got \(ps)", file: file, line: at)
    }

    func testGoodPlanParses() throws {
        let plan = try PlanLoader.parse(good, file: "/plans/p.yaml")
        XCTAssertEqual(plan.shares.first?.source.host, "10.0.0.1")
        XCTAssertEqual(plan.shares.first?.target.share?.share, "Finance")
        XCTAssertEqual(plan.catalogPath, "/plans/.migrate/test.sqlite")
        XCTAssertEqual(plan.servers.map(\.name), ["old", "new"])
    }

    func testBrokenPlansPointAtTheRightPlace() {
        // 1. YAML syntax error (bad indentation)
        assertProblem("migration: x\nservers:\n  old:\n    host: a\n   user: b\n", line: 5, column: 4, contains: "YAML syntax")
        // 2. missing required key
        assertProblem(good.replacingOccurrences(of: "migration: Test\n", with: ""), line: 1, column: 1, contains: "missing required key 'migration'")
        // 3. unknown key with a suggestion
        let typo = good.replacingOccurrences(of: "    target:", with: "    traget:")
        XCTAssertTrue(problems(typo).contains { $0.line == 13 && $0.column == 5 && $0.hint == "did you mean 'target'?" })
        // 4. inline password refused
        assertProblem(good.replacingOccurrences(of: "    password_env: OLD_PW", with: "    password: hunter2"), line: 6, column: 15, contains: "passwords never go in the plan")
        // 5. source names an unknown server
        assertProblem(good.replacingOccurrences(of: "'\\\\old\\Finance'", with: "'\\\\fs9\\Finance'"), line: 12, column: 13, contains: "names server 'fs9'")
        // 6. not a UNC path
        assertProblem(good.replacingOccurrences(of: "'\\\\old\\Finance'", with: "Finance"), line: 12, column: 13, contains: "is not a UNC path")
        // 7. unknown enum value
        assertProblem(good + "\nacl:\n  mode: transmogrify\n", line: 15, column: 9, contains: "unknown value 'transmogrify'")
        // 8. unknown time zone
        assertProblem(good + "\ncutover:\n  windows:\n    - start: 2026-11-28 18:00\n      end: 2026-11-29 06:00\n      time_zone: Mars/Olympus\n",
                      line: 18, column: 18, contains: "unknown time zone")
        // 9. window ends before it starts
        assertProblem(good + "\ncutover:\n  windows:\n    - start: 2026-11-28 18:00\n      end: 2026-11-27 06:00\n      time_zone: UTC\n",
                      line: 17, column: 12, contains: "ends before it starts")
        // 10. unknown principal in the SID map
        assertProblem(good + "\nacl:\n  mode: translate\n  map:\n    'OLDCORP\\Finance': S-1-5-21-1-2-3-4\n", line: 17, column: 5, contains: "unknown principal 'OLDCORP\\Finance'")
        // 11. not a date
        assertProblem(good + "\ncutover:\n  windows:\n    - start: next friday\n      end: 2026-11-29 06:00\n      time_zone: UTC\n",
                      line: 16, column: 14, contains: "is not a date")
        // 12. shares must be a list
        assertProblem(good.replacingOccurrences(of: "shares:\n  - source: '\\\\old\\Finance'\n    target: '\\\\new\\Finance'", with: "shares: Finance"),
                      line: 11, column: 9, contains: "'shares' must be a list")
        // 13. bad glob
        assertProblem(good + "\n    exclude: ['[abc']\n", line: 14, column: 15, contains: "unclosed [")
        // 14. fallback policy without a fallback
        assertProblem(good + "\nacl:\n  mode: translate\n  unmapped: fallback\n", line: 15, column: 3, contains: "missing required key 'fallback'")
        // 15. source and target the same
        assertProblem(good.replacingOccurrences(of: "'\\\\new\\Finance'", with: "'\\\\old\\Finance'"), line: 13, column: 13, contains: "same share")
        // 16. not a boolean
        assertProblem(good + "\n    mirror: sometimes\n", line: 14, column: 13, contains: "must be true or false")
    }

    /// Plans that would destroy data or reach the wrong place, each refused at its line:column
    /// (all of them were accepted before).
    func testPlansThatWouldDestroyDataAreRefused() {
        let two = good + "\n  - source: '\\\\old\\HR'\n    target: '\\\\new\\Finance'\n"
        // Two shares into one target: with mirroring each pass deletes the other's files.
        assertProblem(two, line: 15, column: 13, contains: "writes where share 'Finance' writes")
        assertProblem(two.replacingOccurrences(of: "'\\\\new\\Finance'\n", with: "'\\\\NEW\\finance'\n"), line: 15, column: 13, contains: "writes where share")
        // One DFS link for two shares.
        let links = good + "\n    dfs_link: fin\n  - source: '\\\\old\\HR'\n    target: '\\\\new\\HR'\n    dfs_link: FIN\ndfs: {namespace: '\\\\new\\files'}\n"
        assertProblem(links, line: 17, column: 15, contains: "names the dfs_link 'FIN' that share 'Finance' names")
        // Local targets that hold the system, the plan or its catalog.
        for (target, text) in [("/", "system folder"), ("'../../../../etc'", "system folder"), (".", "holds the plan file"), ("/tmp", "holds the plan file")] {
            assertProblem(good.replacingOccurrences(of: "target: '\\\\new\\Finance'", with: "target: \(target)"), line: 13, column: 13, contains: text)
        }
        assertProblem("catalog: /srv/x/c.sqlite\n" + good.replacingOccurrences(of: "target: '\\\\new\\Finance'", with: "target: /srv/x"),
                      line: 14, column: 13, contains: "holds the catalog")
        // Catalogs that are no database file.
        assertProblem("catalog: /\n" + good, line: 1, column: 10, contains: "is a folder")
        assertProblem("catalog: /dev/null\n" + good, line: 1, column: 10, contains: "not a place for a database")
        assertProblem("catalog: ''\n" + good, line: 1, column: 10, contains: "'catalog' is empty")
        // Hosts and share names no server can have.
        for (host, text) in [("'fs 01'", "spaces"), ("\"fs01\\n\"", "control characters"), ("'fs01:445'", "must not carry a port"), ("fs_01..x", "not a valid host name")] {
            assertProblem(good.replacingOccurrences(of: "host: 10.0.0.1", with: "host: \(host)"), line: 4, column: 11, contains: text)
        }
        XCTAssertNoThrow(try PlanLoader.parse(good.replacingOccurrences(of: "host: 10.0.0.1", with: "host: 'fe80::1'"), file: "/tmp/plan.yaml"))
        for share in ["..", "S*", "S:x", "S\\0x", String(repeating: "x", count: 300)] {
            let yaml = good.replacingOccurrences(of: "'\\\\old\\Finance'", with: "\"//old/\(share)\"")
            assertProblem(yaml, line: 12, column: 13, contains: "which no server can have")
        }
        // Windows that cannot be meant; an empty list; an empty variable name.
        assertProblem(good + "\ncutover:\n  windows:\n    - start: 2026-11-28 18:00\n      end: 99999-11-29 06:00\n      time_zone: UTC\n",
                      line: 17, column: 12, contains: "is not a date")
        assertProblem(good + "\ncutover:\n  windows:\n    - start: 2026-11-28 18:00\n      end: 2027-11-29 06:00\n      time_zone: UTC\n",
                      line: 17, column: 12, contains: "the window lasts 365 days")
        assertProblem(good + "\ncutover:\n  windows: []\n", line: 15, column: 12, contains: "'windows' is empty")
        assertProblem(good.replacingOccurrences(of: "password_env: OLD_PW", with: "password_env: ''"), line: 6, column: 19, contains: "must name an environment variable")
        // A 50 MB key is reported at once, shortened.
        let huge = String(repeating: "k", count: 5_000_000)
        let started = Date()
        let ps = problems(good + "\n? \(huge)\n: 1\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertTrue(ps.contains { $0.message.contains("unknown key 'kkk") && $0.message.count < 120 }, "\(ps.map(\.message))")
    }

    /// A SID map that is no file of its own (a process's environment, a device) is refused
    /// without printing a byte of it.
    func testSIDMapFromProcOrADeviceIsRefused() {
        for path in ["/proc/self/environ", "/dev/zero"] {
            let ps = problems(good + "\nacl:\n  mode: translate\n  map_file: \(path)\n")
            XCTAssertTrue(ps.contains { $0.message.contains("is not a regular file") }, "\(ps)")
            XCTAssertFalse(ps.contains { $0.message.contains("PATH=") || ($0.hint ?? "").contains("PATH=") })
        }
    }

    /// Folders inside shares on either side, several into one target share; overlapping
    /// mappings refused at their line:column.
    func testFolderMappingsAndConsolidation() throws {
        let head = good.components(separatedBy: "shares:")[0] + "shares:\n"
        func shares(_ pairs: [(String, String)]) -> String {
            head + pairs.map { "  - source: '\($0.0)'\n    target: '\($0.1)'\n" }.joined()
        }
        let plan = try PlanLoader.parse(shares([("//old/Data/Finance", "//new/Departments/Finance"), ("//old/HR", "//new/Departments/HR"),
                                                ("//old/Data/Legal", "//new/Legal")]), file: "/tmp/plan.yaml")
        XCTAssertEqual(plan.shares.map { "\($0.source.share)/\($0.source.subpath) -> \($0.target.share!.share)/\($0.target.share!.subpath)" },
                       ["Data/Finance -> Departments/Finance", "HR/ -> Departments/HR", "Data/Legal -> Legal/"])
        // The same source folder twice, or one inside the other.
        for second in ["//old/Data/Finance", "//old/Data/finance/2024", "//old/Data"] {
            let ps = problems(shares([("//old/Data/Finance", "//new/A"), (second, "//new/B")]))
            XCTAssertTrue(ps.contains { $0.line == 14 && $0.column == 13 && $0.message.contains("reads what share") }, "\(second): \(ps)")
        }
        // One target folder inside another.
        var ps = problems(shares([("//old/A", "//new/Departments"), ("//old/B", "//new/Departments/HR")]))
        XCTAssertTrue(ps.contains { $0.line == 15 && $0.column == 13 && $0.message.contains("writes where share") }, "\(ps)")
        // A target inside its own source; another mapping's source may be a target (a staged migration).
        ps = problems(shares([("//old/Data", "//old/Data/Copy")]))
        XCTAssertTrue(ps.contains { $0.line == 13 && $0.column == 13 && $0.message.contains("the target and the source overlap") }, "\(ps)")
        XCTAssertNoThrow(try PlanLoader.parse(shares([("//old/Data", "//new/Staging"), ("//new/Staging", "//new/Data")]), file: "/tmp/plan.yaml"))
    }

    func testTheConsolidationExampleIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Plans/consolidation.yaml").standardized.path
        let plan = try PlanLoader.load(path: path)
        XCTAssertEqual(plan.shares.map(\.name), ["Finance", "HR", "Legal"])
        XCTAssertEqual(plan.shares.map(\.targetDescription), ["\\\\fs2025.corp.example.com\\Departments\\Finance",
                                                               "\\\\fs2025.corp.example.com\\Departments\\HR", "\\\\fs2025.corp.example.com\\Legal"])
    }

    func testEveryProblemIsReportedNotJustTheFirst() {
        let yaml = good.replacingOccurrences(of: "    password_env: OLD_PW", with: "    password: x")
            .replacingOccurrences(of: "    target:", with: "    taget:") + "\ndfs:\n  provider: nfs\n"
        let ps = problems(yaml)
        XCTAssertGreaterThanOrEqual(ps.count, 4, "\(ps)")
        XCTAssertEqual(ps.map(\.line), ps.map(\.line).sorted())
    }

    func testErrorTextIsCompilerStyle() {
        do {
            _ = try PlanLoader.parse(good.replacingOccurrences(of: "migration: Test", with: "migration: [a"), file: "Plans/x.yaml")
            XCTFail()
        } catch {
            XCTAssertTrue(error.description.hasPrefix("Plans/x.yaml:"), error.description)
            XCTAssertTrue(error.description.contains(": error: "), error.description)
        }
    }

    func testSIDMapCSVProblemsNameTheCSVLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "from,to\nS-1-5-21-1-2-3-1105,S-1-5-21-9-9-9-2105\nOLDCORP\\ghost,S-1-5-21-9-9-9-2106\njust-one-column\n"
            .write(to: dir.appendingPathComponent("map.csv"), atomically: true, encoding: .utf8)
        let yaml = good + "\nacl:\n  mode: translate\n  map_file: map.csv\n"
        do {
            _ = try PlanLoader.parse(yaml, file: dir.appendingPathComponent("plan.yaml").path)
            XCTFail()
        } catch {
            let csvPath = dir.appendingPathComponent("map.csv").path
            XCTAssertTrue(error.problems.contains { $0.file == csvPath && $0.line == 3 && $0.message.contains("unknown principal") }, "\(error.problems)")
            XCTAssertTrue(error.problems.contains { $0.file == csvPath && $0.line == 4 && $0.message.contains("two comma-separated") })
            XCTAssertTrue(error.description.contains("\(csvPath):3:1: error:"))
        }
    }

    /// SID maps as spreadsheets save them: a BOM, CRLF line ends, a comment first, a header of
    /// any names (with a comment column), RFC 4180 quoting; extra columns without a header, a
    /// binary file, and a long bogus cell are errors that do not print the file.
    func testSIDMapCSVAsSpreadsheetsSaveIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = "\u{FEFF}# exported from the old domain\r\nold_sid,new_sid,comment\r\nS-1-5-21-1-2-3-1105,S-1-5-21-9-9-9-2105,\"Sales, Paris\"\r\n"
            + "\"S-1-5-21-1-2-3-1106\",S-1-5-21-9-9-9-2106,\"the \"\"old\"\" group\"\r\n"
        try Data(text.utf8).write(to: dir.appendingPathComponent("map.csv"))
        let plan = try PlanLoader.parse(good + "\nacl:\n  mode: translate\n  map_file: map.csv\n", file: dir.appendingPathComponent("plan.yaml").path)
        XCTAssertEqual(plan.acl.map[SID("S-1-5-21-1-2-3-1105")!], SID("S-1-5-21-9-9-9-2105"))
        XCTAssertEqual(plan.acl.map[SID("S-1-5-21-1-2-3-1106")!], SID("S-1-5-21-9-9-9-2106"))
        XCTAssertEqual(plan.acl.map.count, 2)

        let secret = "MIGRATE_FS01_PASSWORD=hunter2-" + String(repeating: "x", count: 200)
        for (content, expected) in [
            (Data("S-1-5-21-1-2-3-1105,S-1-5-21-9-9-9-2105,extra\n".utf8), "3 columns where two are expected"),
            (Data("PATH=/usr/bin\u{0}\(secret)\u{0}".utf8), "is not a text file"),
            (Data("\(secret),S-1-5-21-9-9-9-2105\n".utf8), "is neither a SID nor DOMAIN\\name"),
            (Data("\"S-1-5-21-1-2-3-1105,S-1-5-21-9-9-9-2105\n".utf8), "a quoted field is not closed"),
        ] {
            try content.write(to: dir.appendingPathComponent("map.csv"))
            XCTAssertThrowsError(try PlanLoader.parse(good + "\nacl:\n  mode: translate\n  map_file: map.csv\n", file: dir.appendingPathComponent("plan.yaml").path)) { error in
                let said = "\(error)"
                XCTAssertTrue(said.contains(expected), said)
                XCTAssertFalse(said.contains(String(repeating: "x", count: 100)), "no more than a short piece of a cell is printed: \(said)")
            }
        }
    }

    func testLabPlanIsValidAndTranslatesByName() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let plan = try PlanLoader.load(path: here.appendingPathComponent("Plans/lab.yaml").path)
        XCTAssertEqual(plan.shares.map(\.name), ["Finance", "Projects", "Users"])
        XCTAssertEqual(plan.acl.mode, .translate)
        let staff = try XCTUnwrap(plan.acl.map[SID("S-1-5-21-1004336348-1177238915-682003330-1105")!])
        XCTAssertEqual(staff.description, "S-1-5-21-2610735126-3353893720-2480147207-2105")
        XCTAssertEqual(plan.cutover.windows.count, 1)
        XCTAssertEqual(plan.cutover.windows[0].timeZone.identifier, "Europe/Berlin")
        XCTAssertEqual(plan.dfs?.root.share, "files")
        _ = try PlanLoader.load(path: here.appendingPathComponent("Plans/windows-2003.yaml").path)
    }

    func testPathFilter() {
        let f = PathFilter(include: [], exclude: ["~$*", "*.TMP", "Archive/Old*"])
        XCTAssertFalse(f.admits(path: "a/~$doc.doc", isDirectory: false))
        XCTAssertFalse(f.admits(path: "x.tmp", isDirectory: false))
        XCTAssertFalse(f.admits(path: "Archive/Old 2004", isDirectory: true))
        XCTAssertTrue(f.admits(path: "Other/Archive/Old 2004", isDirectory: true))
        XCTAssertTrue(f.admits(path: "a/b.doc", isDirectory: false))
        let only = PathFilter(include: ["*.xls"], exclude: [])
        XCTAssertTrue(only.admits(path: "Reports", isDirectory: true))
        XCTAssertTrue(only.admits(path: "Reports/Q1.XLS", isDirectory: false))
        XCTAssertFalse(only.admits(path: "Reports/Q1.doc", isDirectory: false))
    }
}

/// The cutover's parts of a plan: administrator accounts, removed methods.
final class CutoverPlanTests: XCTestCase {
    func testAdminAccountParsesAndDefaultsToTheMigrationAccount() throws {
        let yaml = """
        migration: T
        servers:
          old:
            host: 10.0.0.1
            domain: OLD
            user: svc
            password_env: OLD_PW
            admin: {user: fs-admin, password_file: /etc/admin.pw}
          new: {host: 10.0.0.2, user: svc, password_env: NEW_PW}
        shares:
          - {source: '//old/Finance', target: '//new/Finance', dfs_link: finance}
        dfs: {namespace: '//new/files', provider: windows, powershell: 'ssh dc powershell -Command -'}
        """
        let plan = try PlanLoader.parse(yaml, file: "/plans/p.yaml")
        let old = try XCTUnwrap(plan.server(named: "old"))
        XCTAssertEqual(old.administrator.description, "OLD\\fs-admin", "the admin inherits the server's domain")
        XCTAssertEqual(old.administrator.secret, .file("/etc/admin.pw"))
        XCTAssertEqual(plan.server(named: "new")?.administrator.user, "svc", "no admin: the migration account")
        XCTAssertEqual(plan.dfs?.powershell, "ssh dc powershell -Command -")
        XCTAssertEqual(plan.dfs?.linkPath("finance"), "\\\\10.0.0.2\\files\\finance")
    }

    func testAdminWithoutCredentialsAndUnknownFreezeMethodAreReported() {
        let yaml = """
        migration: T
        servers:
          old:
            host: 10.0.0.1
            user: svc
            password_env: OLD_PW
            admin: {user: fs-admin}
        shares:
          - {source: '//old/Finance', target_folder: /tmp/x}
        cutover:
          freeze: {method: deny-ace}
        """
        do {
            _ = try PlanLoader.parse(yaml, file: "/tmp/p.yaml")
            XCTFail("accepted")
        } catch {
            let text = error.problems.map(\.message).joined(separator: "\n")
            XCTAssertTrue(text.contains("the admin account of server 'old' has no credentials"), text)
            XCTAssertTrue(text.contains("deny-ace"), text)
        }
    }
}
