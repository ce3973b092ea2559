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

    /// Overlapping mappings are refused at line:column.
    func testOverlappingMappingsAreBadInput() throws {
        let plan = try self.plan(try scratch(), """
              - {source: '//legacy/Scratch/Data', target: //modern/Scratch}
              - {source: '//legacy/Scratch/Data/HR', target: '//modern/Finance/HR'}

            """)
        let bad = try migrate(["sync", plan])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("folders.yaml:8:14: error: share 'HR' reads what share 'Data' reads") && bad.stderr.contains("reads what share 'Data' reads"), bad.stderr)
    }

    // MARK: cutover of folder mappings

    let inWindow = "2026-11-28T19:00:00+01:00"
    var linkFile: String { "\(Self.labRoot)/modern/share/files/scratch" }

    /// A plan with a cutover (windows, the freeze method, the lab's DFS namespace) for these shares.
    func cutoverPlan(_ dir: URL, _ shares: String, freeze: String) throws -> String {
        addTeardownBlock { _ = system("\(Self.repo.path)/Lab/lab.sh reset-cutover >/dev/null 2>&1") }
        return try cutoverPlan(dir, name: "cutover.yaml", migration: "folder cutover", shares: shares, freeze: freeze)
    }

    func cutover(_ plan: String, _ extra: [String] = []) throws -> Result {
        try migrate(["cutover", plan] + extra, env: ["MIGRATE_NOW": inWindow])
    }

    /// smbclient as alice, a normal user of the old server: whether she may write `path`.
    func aliceCanWrite(_ path: String) throws -> Bool {
        let dir = try scratch()
        try "x\n".write(to: dir.appendingPathComponent("w.txt"), atomically: true, encoding: .utf8)
        let out = try run("smbclient", ["//\(legacy)/Scratch", "-U", "alice%\(try password("alice"))", "--option=client min protocol=NT1",
                                        "-c", "put \(dir.path)/w.txt \(path.replacingOccurrences(of: "/", with: "\\"))"]).1
        return !out.contains("NT_STATUS")
    }

    /// Owner, group and DACL of an entry on the old server, as smbcacls prints them in SDDL.
    func sddl(_ path: String) throws -> String {
        let r = try run("smbcacls", ["//\(legacy)/Scratch", path, "-U", "labadmin%\(try password())", "--option=client min protocol=NT1",
                                     "--sddl", "--query-security-info=7"])
        XCTAssertEqual(r.0, 0, r.1)
        // smbcacls prints a name-lookup complaint of the old server's RPC before the descriptor.
        return try XCTUnwrap(r.1.split(separator: "\n").last { $0.contains("D:") }.map(String.init), r.1)
    }

    /// The cutover of a folder of an old share into a folder of a new one: the deny-write freeze
    /// makes the folder (and nothing else of the share) read-only for users, its deny ACE never
    /// reaches the target, the DFS link is switched to the target folder (read back as the msdfs
    /// link and opened through the namespace), and the rollback writes back every saved
    /// descriptor exactly and the old link target.
    func testAFolderIsCutOverWithTheDenyWriteFreezeToAFolderTargetAndRolledBack() throws {
        let dir = try scratch()
        let plan = try cutoverPlan(dir, "  - {source: '//legacy/Scratch/Data/Finance', target: '//modern/Scratch/Departments/Finance', dfs_link: scratch}",
                                   freeze: "deny-write")
        XCTAssertTrue(try aliceCanWrite("Data/Finance/alice.txt"), "alice may write in the folder before the freeze")
        _ = try smbclient(legacy, "Scratch", "del Data\\Finance\\alice.txt")
        for _ in 0..<2 { let r = try migrate(["sync", plan]); XCTAssertEqual(r.status, 0, r.stderr + r.stdout) }
        let entries = ["Data/Finance", "Data/Finance/a.txt", "Data/Finance/Sub", "Data/Finance/Sub/b.txt"]
        let before = try entries.map(sddl)

        let runbook = try cutover(plan, ["--dry-run"])
        XCTAssertEqual(runbook.status, 0, runbook.stderr)
        XCTAssertTrue(runbook.stdout.contains("put a deny ACE for Everyone") && runbook.stdout.contains("the rest of the share is not touched"), runbook.stdout)

        var r = try cutover(plan, ["--until", "freeze"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("saved the descriptors of \\\\127.0.0.21\\Scratch\\Data\\Finance and the 3 entries below it"), r.stdout)
        for (path, was) in zip(entries, before) {
            let now = try sddl(path)
            XCTAssertNotEqual(now, was, "\(path) carries the freeze's ACE")
            XCTAssertTrue(now.range(of: #"D:[A-Z]*\(D;;[^;]+;;;WD\)"#, options: .regularExpression) != nil, "\(path): the deny ACE comes first: \(now)")
        }
        XCTAssertFalse(try aliceCanWrite("Data/Finance/new.txt"), "no new file in the frozen folder")
        XCTAssertFalse(try aliceCanWrite("Data/Finance/Sub/new.txt"), "nor below it")
        XCTAssertFalse(try aliceCanWrite("Data/Finance/a.txt"), "no overwrite")
        XCTAssertTrue(try aliceCanWrite("Data/HR/still-open.txt"), "the share's other folders stay writable")

        r = try cutover(plan)
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        // The target never gets the freeze's deny ACE (the final sync and verify read the source without it).
        for path in ["Departments/Finance", "Departments/Finance/a.txt", "Departments/Finance/Sub/b.txt"] {
            let (_, sd) = try acl(modern, "Scratch", path)
            XCTAssertFalse((sd.dacl ?? []).contains { $0.type == .accessDenied }, "\(path): \(sd.sddl)")
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: linkFile), "msdfs:127.0.0.22\\Scratch\\Departments\\Finance")
        let opened = try run("smbclient", ["//\(modern)/files", "-U", "labadmin%\(try password())", "-c", "get scratch\\a.txt -"]).1
        XCTAssertTrue(opened.hasPrefix("alpha"), "the link opens the target folder: \(opened)")
        XCTAssertTrue(try migrate(["status", plan]).stdout.contains("cutover: switched"))

        r = try cutover(plan, ["--rollback"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("restored the descriptors of \\\\127.0.0.21\\Scratch\\Data\\Finance (4 entries)"), r.stdout)
        XCTAssertEqual(try entries.map(sddl), before, "every descriptor as it was before the freeze")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: linkFile), "msdfs:127.0.0.21\\Scratch")
        XCTAssertTrue(try aliceCanWrite("Data/Finance/after.txt"), "the folder is writable again")
    }

    /// A deny-write freeze killed half way (some entries carry the ACE, some not): the rerun does
    /// not take the half-frozen descriptors for originals, and the rollback restores them exactly.
    func testADenyWriteFreezeKilledHalfWayIsFinishedAndRolledBackExactly() throws {
        let dir = try scratch()
        let plan = try cutoverPlan(dir, "  - {source: '//legacy/Scratch/Data/Finance', target: '//modern/Scratch/Departments/Finance'}",
                                   freeze: "deny-write")
        for _ in 0..<2 { let r = try migrate(["sync", plan]); XCTAssertEqual(r.status, 0, r.stderr + r.stdout) }
        let entries = ["Data/Finance", "Data/Finance/a.txt", "Data/Finance/Sub", "Data/Finance/Sub/b.txt"]
        let before = try entries.map(sddl)
        var r = try migrate(["cutover", plan, "--until", "freeze"], env: ["MIGRATE_NOW": inWindow, "MIGRATE_FAILPOINT": "freeze-half-applied"])
        XCTAssertNotEqual(r.status, 0, "killed")
        let half = try entries.map(sddl)
        XCTAssertTrue(zip(half, before).contains { $0 != $1 } && zip(half, before).contains { $0 == $1 }, "half applied: \(half)")
        r = try cutover(plan, ["--until", "freeze"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("descriptors already saved by an earlier attempt; not read again"), r.stdout)
        XCTAssertTrue(try entries.map(sddl).allSatisfy { $0.contains(";;;WD)") && $0.contains("(D;") }, "every entry frozen now")
        r = try cutover(plan, ["--rollback"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertEqual(try entries.map(sddl), before, "the originals, not the half-frozen descriptors")
    }

    /// Two folders of one old share frozen by share permissions: the share is frozen once, the
    /// second freeze keeps the first one's saved permissions (the share's are frozen by then),
    /// and only the last rollback gives the share its permissions back, exactly.
    func testTwoFoldersOfOneShareFrozenBySharePermissionsShareOneOriginal() throws {
        let dir = try scratch()
        let plan = try cutoverPlan(dir, """
              - {source: '//legacy/Scratch/Data/Finance', target: '//modern/Scratch/Departments/Finance'}
              - {source: '//legacy/Scratch/Data/HR', target: '//modern/Scratch/Departments/HR'}
            """, freeze: "share-permissions")
        let shareSD = { try self.run("sharesec", ["-s", "\(Self.labRoot)/legacy/smb.conf", "Scratch", "-v"]).1 }
        let original = try shareSD()
        for _ in 0..<2 { let r = try migrate(["sync", plan]); XCTAssertEqual(r.status, 0, r.stderr + r.stdout) }
        let runbook = try cutover(plan, ["--dry-run", "--share", "Finance"])
        XCTAssertTrue(runbook.stdout.contains("this freezes all of \\\\127.0.0.21\\Scratch, not only the mapped folder: the plan's shares HR read it too"), runbook.stdout)
        var r = try cutover(plan, ["--until", "freeze", "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertFalse(try aliceCanWrite("top.txt"), "the whole share is read-only")
        r = try cutover(plan, ["--until", "freeze", "--share", "HR"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("is already frozen for another share of the plan; its saved permissions are kept"), r.stdout)
        r = try cutover(plan, ["--rollback", "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("stays read-only: HR of the same share is still frozen"), r.stdout)
        XCTAssertFalse(try aliceCanWrite("top.txt"), "still frozen for HR")
        r = try cutover(plan, ["--rollback", "--share", "HR"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertEqual(try shareSD(), original, "the share's own permissions, exactly")
        XCTAssertTrue(try aliceCanWrite("top.txt"))
    }
}
