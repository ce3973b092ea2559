import Foundation
import MigrateCore
import XCTest

/// Folders inside shares on either side, and several old folders consolidated into folders of
/// one new share: copied, mirrored within the mapped folder only, the mapped folder's own ACL
/// rebased onto its new parent, verified; checked with smbclient and smbcacls.
final class FolderMappingLabTests: CLITestCase {
    let jsmith = "S-1-5-21-1004336348-1177238915-682003330-1110"
    let johnSmith = "S-1-5-21-2610735126-3353893720-2480147207-3110"

    /// A plan for the lab's servers with these `shares:` items (YAML lines).
    func plan(_ dir: URL, _ shares: String) throws -> String {
        let base = try String(contentsOfFile: try scratchPlan(dir), encoding: .utf8)
        let text = base.replacingOccurrences(of: "  - {source: //legacy/Scratch, target: //modern/Scratch}\n", with: shares)
        let path = dir.appendingPathComponent("folders.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func put(_ host: String, _ path: String, _ text: String, _ dir: URL) throws {
        let local = dir.appendingPathComponent("upload-\(UUID().uuidString.prefix(6))").path
        try text.write(toFile: local, atomically: true, encoding: .utf8)
        _ = try run("smbclient", ["//\(host)/Scratch", "-U", "labadmin%\(try password())", "--option=client min protocol=NT1",
                                  "-c", "put \"\(local)\" \"\(path.replacingOccurrences(of: "/", with: "\\"))\""])
    }

    func setACL(_ host: String, _ path: String, _ sddl: String) throws {
        let r = try run("smbcacls", ["//\(host)/Scratch", path, "-U", "labadmin%\(try password())", "--option=client min protocol=NT1", "--sddl", "--set", sddl])
        XCTAssertEqual(r.0, 0, r.1)
    }

    override func setUpWithError() throws {
        try requireLab()
        try resetScratch()
        let dir = try scratch()
        _ = try smbclient(legacy, "Scratch", "mkdir Data; mkdir Data\\Finance; mkdir Data\\Finance\\Sub; mkdir Data\\HR")
        for (p, t) in [("Data/Finance/a.txt", "alpha"), ("Data/Finance/Sub/b.txt", "bravo"), ("Data/HR/h.txt", "hotel"), ("Data/other.txt", "not mapped")] {
            try put(legacy, p, t, dir)
        }
        try setACL(legacy, "\\", "D:PAI(A;OICI;0x1301bf;;;WD)(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)")
        try setACL(legacy, "Data", "D:AI(A;OICIID;0x1301bf;;;WD)(A;OICIID;0x1f01ff;;;SY)(A;OICIID;0x1f01ff;;;BA)")
        // The mapped folder's own ACE, besides what it inherits on the old server.
        try setACL(legacy, "Data/Finance", "D:AI(A;OICI;0x1200a9;;;\(jsmith))(A;OICIID;0x1301bf;;;WD)(A;OICIID;0x1f01ff;;;SY)(A;OICIID;0x1f01ff;;;BA)")
    }

    /// Two old folders into folders of one new share: each copied into its own folder (made
    /// with its parent), nothing outside the mapped folders read or touched, the mapped folder's
    /// explicit ACE carried and its inherited ones taken from its new parent; verify agrees; a
    /// delta with deletions leaves the sentinels outside the mapped folders alone.
    func testTwoFoldersConsolidatedIntoFoldersOfOneShare() throws {
        let dir = try scratch()
        let plan = try plan(dir, """
              - {source: '//legacy/Scratch/Data/Finance', target: '//modern/Scratch/Departments/Finance'}
              - {source: '//legacy/Scratch/Data/HR', target: '//modern/Scratch/Departments/HR'}

            """)
        _ = try smbclient(modern, "Scratch", "mkdir Departments")
        try setACL(modern, "Departments", "D:PAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)(A;OICI;0x1200a9;;;BU)")
        try put(modern, "Departments/sentinel.txt", "outside every mapped folder", dir)
        try put(modern, "keep.txt", "outside too", dir)

        var r = try migrate(["sync", plan])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("Finance (full): copied 2 files and 1 folder,"), r.stdout)
        XCTAssertTrue(r.stdout.contains("HR (full): copied 1 file and 0 folders,"), r.stdout)
        let target = try listing(modern, "Scratch")
        for p in ["Departments/Finance/a.txt", "Departments/Finance/Sub/b.txt", "Departments/HR/h.txt", "Departments/sentinel.txt", "keep.txt"] {
            XCTAssertNotNil(target[p], "\(p) on the target: \(target.keys.sorted())")
        }
        XCTAssertNil(target["Departments/Finance/other.txt"] ?? target["other.txt"], "nothing outside the mapped folder is copied")
        XCTAssertTrue(try smbclient(modern, "Scratch", "get Departments\\Finance\\Sub\\b.txt -").hasPrefix("bravo"))

        // The mapped folder: its own ACE (mapped to the new domain), inherited ACEs from Departments, not from the old parent.
        let (control, sd) = try acl(modern, "Scratch", "Departments/Finance")
        XCTAssertEqual(control & 0x1000, 0, "not protected")
        let aces = sd.dacl ?? []
        XCTAssertTrue(aces.contains { $0.sid.description == johnSmith && !$0.flags.contains(.inherited) }, sd.sddl)
        XCTAssertTrue(aces.contains { $0.sid.description == "S-1-5-32-545" && $0.flags.contains(.inherited) && $0.mask == 0x1200a9 }, "inherited from Departments: \(sd.sddl)")
        XCTAssertFalse(aces.contains { $0.sid.description == "S-1-1-0" }, "nothing inherited from the old parent: \(sd.sddl)")

        r = try migrate(["verify", plan, "--checksum"])
        XCTAssertEqual(r.status, 0, "verify compares the mapped folder as the pass set it: \(r.stderr)\n\(r.stdout)")
        XCTAssertTrue(r.stdout.contains("Finance: identical") && r.stdout.contains("HR: identical"), r.stdout)

        // Deletions stay inside the mapped folder; the mirror guard counts only it.
        _ = try smbclient(legacy, "Scratch", "del Data\\Finance\\Sub\\b.txt; rmdir Data\\Finance\\Sub")
        r = try migrate(["sync", plan, "--share", "Finance", "--dry-run"])
        XCTAssertTrue(r.stdout.contains("Finance (dry-run): would copy 0 files and 0 folders, updated 0, metadata 1, deleted 2,"), r.stdout)
        r = try migrate(["sync", plan, "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("deleted 2,"), r.stdout)
        let after = try listing(modern, "Scratch")
        XCTAssertNil(after["Departments/Finance/Sub"])
        for p in ["Departments/sentinel.txt", "keep.txt", "Departments/HR/h.txt"] { XCTAssertNotNil(after[p], "\(p) survives the delta") }
        XCTAssertTrue(try migrate(["sync", plan]).stdout.contains("Finance (delta): copied 0 files and 0 folders, updated 0, metadata 0, deleted 0"))
    }

    /// A folder of an old share as a new share of its own, and a whole old share into a folder
    /// of a new one.
    func testAFolderToAShareAndAShareIntoAFolder() throws {
        let dir = try scratch()
        var plan = try plan(dir, "  - {source: '//legacy/Scratch/Data/Finance', target: //modern/Scratch}\n")
        XCTAssertEqual(try migrate(["sync", plan]).status, 0)
        var target = try listing(modern, "Scratch")
        XCTAssertEqual(Set(target.keys), ["a.txt", "Sub", "Sub/b.txt"], "the folder's content at the share root")

        try resetScratch()
        let dir2 = try scratch()
        plan = try self.plan(dir2, "  - {source: //legacy/Finance, target: '//modern/Scratch/Archive/2026/Finance'}\n")
        let r = try migrate(["sync", plan])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        target = try listing(modern, "Scratch")
        let source = try listing(legacy, "Finance")
        XCTAssertEqual(Set(target.keys), Set(source.keys.map { "Archive/2026/Finance/" + $0 }).union(["Archive", "Archive/2026", "Archive/2026/Finance"]),
                       "the share's content in the folder, made with its parents")
        XCTAssertEqual(try migrate(["verify", plan]).status, 0)
    }

    /// The cutover of a folder mapping is refused with a clear reason (its freeze would freeze the
    /// whole share), before anything is frozen; overlapping mappings are refused at line:column.
    func testCutoverOfAFolderIsRefusedAndOverlapsAreBadInput() throws {
        let dir = try scratch()
        var plan = try plan(dir, "  - {source: '//legacy/Scratch/Data/Finance', target: //modern/Scratch}\n")
        XCTAssertEqual(try migrate(["sync", plan]).status, 0)
        let r = try migrate(["cutover", plan, "--force", "--ignore-forecast"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a folder inside a share; its cutover is not supported yet"), r.stderr)
        XCTAssertFalse(try smbclient(legacy, "Scratch", "ls").contains("ACCESS_DENIED"))
        plan = try self.plan(try scratch(), """
              - {source: '//legacy/Scratch/Data', target: //modern/Scratch}
              - {source: '//legacy/Scratch/Data/HR', target: '//modern/Finance/HR'}

            """)
        let bad = try migrate(["sync", plan])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("folders.yaml:8:14: error: share 'HR' reads what share 'Data' reads") && bad.stderr.contains("reads what share 'Data' reads"), bad.stderr)
    }
}
