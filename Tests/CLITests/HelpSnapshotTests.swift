import Foundation
import XCTest

/// Every command's help, compared whole with the snapshot under Snapshots/ (as swift-argument-
/// parser tests its own help): an option renamed, dropped or reworded shows up here, and in the
/// review. `MIGRATE_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests` writes them anew.
final class HelpSnapshotTests: CLITestCase {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    func testEveryCommandsHelpMatchesItsSnapshot() throws {
        let update = ProcessInfo.processInfo.environment["MIGRATE_UPDATE_SNAPSHOTS"] == "1"
        for command in ["", "plan", "sync", "cutover", "verify", "status"] {
            let r = try migrate((command.isEmpty ? [] : [command]) + ["--help"], env: ["COLUMNS": "100"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let file = Self.snapshots.appendingPathComponent("help-\(command.isEmpty ? "migrate" : command).txt")
            if update { try r.stdout.write(to: file, atomically: true, encoding: .utf8); continue }
            let want = try String(contentsOf: file, encoding: .utf8)
            XCTAssertEqual(r.stdout, want, "`migrate \(command) --help` differs from \(file.lastPathComponent); if the change is meant, run with MIGRATE_UPDATE_SNAPSHOTS=1")
        }
    }

    /// A closed choice is an enum: a value outside it is refused by the parser with the choices.
    func testClosedChoicesListTheirValuesWhenRefused() throws {
        let r = try migrate(["cutover", "x.yaml", "--until", "nowhere"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("'freeze'") && r.stderr.contains("'final-sync'") && r.stderr.contains("'switch'"), r.stderr)
        let a = try migrate(["sync", "x.yaml", "--acl-check", "sometimes"])
        XCTAssertEqual(a.status, 2)
        XCTAssertTrue(a.stderr.contains("'auto'") && a.stderr.contains("'folders'"), a.stderr)
    }
}
