import Foundation
import XCTest

/// `migrate cutover` end to end on the lab's Scratch share (and its DFS link `scratch`), checked
/// with independent tools: smbclient as a normal user, sharesec/tdbdump for the share
/// permissions, the msdfs link on the namespace host, sha256sum on the old server's folder.
final class CutoverLabTests: CLITestCase {
    let inWindow = "2026-11-28T19:00:00+01:00"
    var legacyConf: String { "\(Self.labRoot)/legacy/smb.conf" }
    var linkFile: String { "\(Self.labRoot)/modern/share/files/scratch" }

    override func setUpWithError() throws {
        try requireLab()
        try resetScratch()
        resetCutover()
        addTeardownBlock { [self] in resetCutover() }
        // Users may change Scratch (as they could on the old server), so a freeze has something to stop.
        let (status, out) = try run("smbcacls", ["//\(legacy)/Scratch", "\\", "-U", "labadmin%\(try password())", "--option=client min protocol=NT1",
                                                 "--sddl", "--set", "D:PAI(A;OICI;0x1301bf;;;WD)(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)"])
        XCTAssertEqual(status, 0, out)
        let dir = try scratch()
        try "quarterly numbers\n".write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        // top.txt carries an alternate data stream, so verification compares streams too.
        _ = try smbclient(legacy, "Scratch", "mkdir Reports; put \(dir.path)/a.txt Reports/q4.txt; put \(dir.path)/a.txt top.txt; put \(dir.path)/a.txt top.txt:Zone.Identifier")
    }

    func resetCutover() { _ = system("\(Self.repo.path)/Lab/lab.sh reset-cutover >/dev/null 2>&1") }

    func plan(_ dir: URL, admin: Bool = true) throws -> String {
        try cutoverPlan(dir, name: "plan.yaml", migration: "scratch cutover",
                        shares: "  - {source: //legacy/Scratch, target: //modern/Scratch, dfs_link: scratch}", freeze: "share-permissions", admin: admin)
    }

    /// A full pass and a delta (the forecast needs one).
    func synced(_ plan: String) throws {
        for _ in 0..<2 { let r = try migrate(["sync", plan]); XCTAssertEqual(r.status, 0, r.stderr + r.stdout) }
    }

    func cutover(_ plan: String, _ extra: [String] = [], now: String? = nil, failpoint: String? = nil) throws -> Result {
        var env: [String: String] = [:]
        if let now { env["MIGRATE_NOW"] = now }
        if let failpoint { env["MIGRATE_FAILPOINT"] = failpoint }
        return try migrate(["cutover", plan] + extra, env: env)
    }

    /// smbclient as alice, a normal user of the old server.
    func alice(_ host: String, _ share: String, _ commands: String) throws -> String {
        try run("smbclient", ["//\(host)/\(share)", "-U", "alice%\(try password("alice"))", "--option=client min protocol=NT1", "-c", commands]).1
    }

    func aliceCanWrite(_ name: String) throws -> Bool {
        let dir = try scratch()
        try "x\n".write(to: dir.appendingPathComponent("w.txt"), atomically: true, encoding: .utf8)
        return !(try alice(legacy, "Scratch", "put \(dir.path)/w.txt \(name)")).contains("NT_STATUS")
    }

    /// The stored share descriptor, as Samba's own tools show it: sharesec's text and the raw record.
    func sharePermissions() throws -> String {
        let text = try run("sharesec", ["-s", legacyConf, "Scratch", "-v"]).1
        // The stored record itself: the line after its key in tdbdump's listing.
        let dump = try run("tdbdump", ["\(Self.labRoot)/legacy/state/share_info.tdb"]).1.split(separator: "\n").map(String.init)
        let raw = try XCTUnwrap(dump.firstIndex { $0.contains("\"SECDESC/scratch\\00\"") }.map { dump[$0 + 1] }, "no stored Scratch descriptor")
        XCTAssertTrue(raw.hasPrefix("data("), raw)
        return text + "\n" + raw
    }

    /// Every pass of Scratch (the syncs and the cutover's final sync) logged `line`.
    func assertEveryPassLog(_ dir: URL, contains line: String, file: StaticString = #filePath, lineNumber: UInt = #line) throws {
        let logs = try passLogs(dir, share: "Scratch")
        XCTAssertFalse(logs.isEmpty, file: file, line: lineNumber)
        for log in logs { XCTAssertTrue(log.contains(line), "\(line) in \(log.prefix(400))", file: file, line: lineNumber) }
    }

    func link() throws -> String { try FileManager.default.destinationOfSymbolicLink(atPath: linkFile) }

    func status(_ plan: String) throws -> String { try migrate(["status", plan]).stdout }

    func testRunbookThenEveryStepThenDecommission() throws {
        let dir = try scratch()
        let plan = try plan(dir)
        try synced(plan)

        // Alice keeps a file open through the freeze: the runbook and the freeze list her, then her session is closed.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "(echo 'open \\\\top.txt'; sleep 30) | smbclient //\(legacy)/Scratch -U 'alice%\(try password("alice"))' --option='client min protocol=NT1' >/dev/null 2>&1"]
        try holder.run()
        defer { holder.terminate() }
        Thread.sleep(forTimeInterval: 2)

        let book = try cutover(plan, ["--dry-run"], now: inWindow)
        XCTAssertEqual(book.status, 0, book.stderr)
        for needle in ["# Cutover runbook", "(open now)", "NetShareSetInfo level 1501", "dfsadd //127.0.0.22/files/scratch 127.0.0.22 Scratch",
                       "--decommission --yes", "--rollback", "alice has top.txt open for writing"] {
            XCTAssertTrue(book.stdout.contains(needle), "runbook lacks \(needle)")
        }
        XCTAssertTrue(try aliceCanWrite("before.txt"), "alice writes before the freeze")
        XCTAssertTrue(try alice(modern, "files", "get scratch/top.txt -").contains("quarterly numbers"), "the namespace reaches the old share")
        _ = try smbclient(legacy, "Scratch", "del before.txt")
        try synced(plan)

        let r = try cutover(plan, now: inWindow)
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("alice has top.txt open for writing"), r.stdout)
        XCTAssertTrue(r.stdout.contains("closed the session of alice"), r.stdout)
        XCTAssertTrue(r.stdout.contains("0 differences"), r.stdout)

        // Frozen: alice reads but cannot write; the link names the target alone.
        XCTAssertFalse(try aliceCanWrite("after-freeze.txt"), "writes to the frozen source must fail")
        XCTAssertTrue(try alice(legacy, "Scratch", "get Reports/q4.txt -").contains("quarterly numbers"), "reads still work")
        XCTAssertEqual(try link(), "msdfs:\(modern)\\Scratch")
        _ = try run("smbclient", ["//\(modern)/Scratch", "-U", "labadmin%\(try password())", "-c", "put \(dir.path)/plan.yaml only-on-target.txt"])
        XCTAssertTrue(try alice(modern, "files", "get scratch/only-on-target.txt -").contains("migration: scratch cutover"),
                      "a file opened through the namespace comes from the target")
        XCTAssertTrue(try status(plan).contains("cutover: switched"))
        _ = try run("smbclient", ["//\(modern)/Scratch", "-U", "labadmin%\(try password())", "-c", "del only-on-target.txt"])

        // Decommission: refused without --yes, then the manifest and the share offline.
        let refused = try cutover(plan, ["--decommission"], now: inWindow)
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--yes"), refused.stderr)
        // A change behind the freeze (here on the server's own disk) stops the decommission;
        // put back exactly, it no longer does.
        let q4 = "\(Self.labRoot)/legacy/share/Scratch/Reports/q4.txt"
        let mtime = try run("stat", ["-c", "%.9Y", q4]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        let original = try Data(contentsOf: URL(fileURLWithPath: q4))
        try Data("changed after the freeze\n".utf8).write(to: URL(fileURLWithPath: q4))
        let changed = try cutover(plan, ["--decommission", "--yes"], now: "2026-11-29T10:00:00+01:00")
        XCTAssertEqual(changed.status, 1, changed.stderr)
        XCTAssertTrue(changed.stderr.contains("the source changed since the freeze") && changed.stderr.contains("Reports/q4.txt"), changed.stderr)
        XCTAssertFalse(try alice(legacy, "Scratch", "ls").contains("NT_STATUS_ACCESS_DENIED"), "still online after the refusal")
        try original.write(to: URL(fileURLWithPath: q4))
        XCTAssertEqual(try run("touch", ["-d", "@\(mtime)", q4]).0, 0)
        let d = try cutover(plan, ["--decommission", "--yes"], now: "2026-11-29T10:00:00+01:00")
        XCTAssertEqual(d.status, 0, d.stderr + d.stdout)
        XCTAssertTrue(try alice(legacy, "Scratch", "ls").contains("NT_STATUS_ACCESS_DENIED"), "the old share is offline")
        let st = try status(plan)
        XCTAssertTrue(st.contains("cutover: decommissioned"), st)
        let manifestPath = try XCTUnwrap(st.split(separator: "\n").first { $0.contains("manifest: ") }?.components(separatedBy: "manifest: ").last)
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let expected = try run("/bin/sh", ["-c", "cd \(Self.labRoot)/legacy/share/Scratch && sha256sum Reports/q4.txt top.txt"]).1
        XCTAssertEqual(Set(manifest.split(separator: "\n")), Set(expected.split(separator: "\n")), "manifest = sha256sum of the old share")
        let back = try cutover(plan, ["--rollback"])
        XCTAssertEqual(back.status, 2, "no rollback after decommission")
    }

    /// What verify finds while the share is frozen is repaired inside the window and checked
    /// again, then the cutover goes on: on the target after the final sync, a larger file, an
    /// older write time, another group, another stream, an ACE added to a
    /// file's DACL and its hidden bit set, another owner, inheritance turned off on a folder, a
    /// same-size edit that kept its write time (robocopy misses it too), a folder deleted, a file
    /// added. (Verify used to crash on the first descriptor difference, leaving the share frozen.)
    /// The report names each difference and repair, who ran it, when, and what against what.
    func testDifferencesAtVerifyTimeAreRepairedInsideTheWindow() throws {
        let dir = try scratch()
        let plan = try plan(dir)
        try "notes, twenty bytes\n".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        _ = try smbclient(legacy, "Scratch", "put \(dir.path)/notes.txt notes.txt; mkdir Deep; put \(dir.path)/notes.txt Deep/inner.txt; "
                          + "put \(dir.path)/notes.txt size.txt; put \(dir.path)/notes.txt time.txt; put \(dir.path)/notes.txt group.txt")
        try synced(plan)
        let paths = ["Reports/q4.txt", "top.txt", "Reports", "Deep", "Deep/inner.txt"]
        let before = try paths.map { try acl(modern, "Scratch", $0) }
        let listingBefore = try listing(modern, "Scratch")
        // A file's ACL changed on the source: Samba keeps its change time, so only a final sync
        // that reads every descriptor (the cutover's default, `--acl-check all`) sees it.
        let admin0 = ["-U", "labadmin%\(try password())", "--option=client min protocol=NT1"]
        XCTAssertEqual(try run("smbcacls", ["//\(legacy)/Scratch", "notes.txt"] + admin0 + ["--add", "ACL:S-1-5-32-545:ALLOWED/0/READ"]).0, 0)
        // Frozen and final-synced; the changes come after the final sync, so verify is what finds them.
        let first = try cutover(plan, ["--until", "final-sync"], now: inWindow)
        XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
        XCTAssertTrue(first.stdout.contains("final sync: copied 0 files and 0 folders, updated 0, metadata 1,"), first.stdout)
        XCTAssertTrue(try acl(modern, "Scratch", "notes.txt").1.dacl?.contains { $0.sid.description == "S-1-5-32-545" } ?? false, "the new ACE arrived")
        let admin = ["-U", "labadmin%\(try password())"]
        XCTAssertEqual(try run("smbcacls", ["//\(modern)/Scratch", "Reports/q4.txt"] + admin + ["--add", "ACL:S-1-5-32-545:ALLOWED/0/READ"]).0, 0)
        _ = try run("smbclient", ["//\(modern)/Scratch"] + admin + ["-c", "setmode Reports/q4.txt +h"])
        XCTAssertEqual(try run("smbcacls", ["//\(modern)/Scratch", "top.txt"] + admin + ["--chown", "S-1-5-32-544"]).0, 0)
        XCTAssertEqual(try run("smbcacls", ["//\(modern)/Scratch", "Reports"] + admin + ["--inherit", "remove"]).0, 0)
        _ = try run("smbclient", ["//\(modern)/Scratch"] + admin + ["-c", "put \(dir.path)/plan.yaml extra.txt; del Deep\\inner.txt; rmdir Deep"])
        XCTAssertEqual(try run("smbcacls", ["//\(modern)/Scratch", "group.txt"] + admin + ["--chgrp", "S-1-5-32-545"]).0, 0)
        _ = try run("smbclient", ["//\(modern)/Scratch"] + admin + ["-c", "put \(dir.path)/plan.yaml top.txt:Zone.Identifier"])
        let disk = "\(Self.labRoot)/modern/share/Scratch"
        try FileHandle(forWritingAtPath: disk + "/size.txt").map { $0.seekToEndOfFile(); $0.write(Data("more\n".utf8)); $0.closeFile() }
        XCTAssertEqual(try run("touch", ["-d", "@1000000000", disk + "/time.txt"]).0, 0)
        // Same size, same write time, other bytes: on the target server's disk, the time put back.
        let notes = "\(Self.labRoot)/modern/share/Scratch/notes.txt"
        let mtime = try run("stat", ["-c", "%.9Y", notes]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        try "NOTES, TWENTY BYTES\n".write(toFile: notes, atomically: false, encoding: .utf8)
        XCTAssertEqual(try run("touch", ["-d", "@\(mtime)", notes]).0, 0)

        let r = try cutover(plan, ["--operator-name", "Dana Tester"], now: inWindow)
        XCTAssertEqual(r.status, 0, "repaired, then switched: \(r.stderr)\n\(r.stdout)")
        XCTAssertTrue(r.stdout.contains("repairs failed") && r.stdout.contains("0 differences after the repair"), r.stdout)
        XCTAssertEqual(try link(), "msdfs:\(modern)\\Scratch", "switched after the repair")
        // Checked with smbcacls and smbclient: the target is what it was after the last sync.
        for (path, was) in zip(paths, before) {
            let now = try acl(modern, "Scratch", path)
            XCTAssertEqual(now.0, was.0, "\(path): control flags")
            XCTAssertEqual(now.1.owner, was.1.owner, "\(path): owner")
            XCTAssertEqual(Set(now.1.dacl ?? []), Set(was.1.dacl ?? []), "\(path): DACL")
        }
        assertSameListing(listingBefore, try listing(modern, "Scratch"), "target after the repair vs after the last sync:")
        XCTAssertEqual(try smbclient(modern, "Scratch", "get notes.txt -").components(separatedBy: "\n").first, "notes, twenty bytes")

        let reportPath = try XCTUnwrap(r.stdout.components(separatedBy: "report: ").last?.split(separator: "\n").first.map(String.init))
        let report = try String(contentsOfFile: reportPath, encoding: .utf8)
        for needle in ["| Operator | Dana Tester |", "| Share | Scratch |", "| Source | \\\\\(legacy)\\Scratch |", "| Target | \\\\\(modern)\\Scratch |",
                       "| Date | 2026-11-28 ", "identical after repair", "## Differences found", "## Repairs",
                       "| Reports/q4.txt | DACL", "| Reports/q4.txt | attributes", "| top.txt | owner", "| Reports | inheritance (protected)",
                       "| size.txt | size", "| time.txt | write time", "| group.txt | group", "| top.txt | stream :Zone.Identifier",
                       "| notes.txt | content", "| Deep | missing on the target", "| extra.txt | extra on the target",
                       "| Deep | folder copied again with its contents | done |", "| notes.txt | copied again | done |",
                       "| extra.txt | removed from the target | done |", "| Reports/q4.txt | metadata applied again | done |"] {
            XCTAssertTrue(report.contains(needle), "the report has \(needle): \(report.prefix(3000))")
        }
        XCTAssertTrue(try status(plan).contains("repair"), "the repair is a pass of its own")
    }

    /// A repair that cannot be done (a service on the old server holds the source file open,
    /// sharing nothing, through the freeze) stops the cutover at verify with exit 1, the report
    /// says which repair failed and why, the link is not switched, and rollback unfreezes the share.
    func testARepairThatFailsStopsTheCutoverAndRollbackUnfreezes() throws {
        let dir = try scratch()
        let plan = try plan(dir)
        try synced(plan)
        let q4 = "\(Self.labRoot)/modern/share/Scratch/Reports/q4.txt"
        let mtime = try run("stat", ["-c", "%.9Y", q4]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        try "QUARTERLY NUMBERS\n".write(toFile: q4, atomically: false, encoding: .utf8)
        XCTAssertEqual(try run("touch", ["-d", "@\(mtime)", q4]).0, 0)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sys, time
            from samba.samba3 import libsmb_samba_internal as libsmb, param as s3param
            from samba import credentials
            lp = s3param.get_context(); lp.load_default()
            c = credentials.Credentials(); c.guess(lp); c.set_username('root'); c.set_password(sys.argv[1])
            conn = libsmb.Conn('\(legacy)', 'Scratch', lp, c, force_smb1=True)
            conn.create('Reports\\q4.txt', DesiredAccess=0x12019f, ShareAccess=0)
            print('held', flush=True)
            time.sleep(120)
            """, try password("root")]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        defer { holder.terminate() }
        var said = Data()
        while !said.contains(UInt8(ascii: "\n")) { let d = out.fileHandleForReading.availableData; if d.isEmpty { break }; said += d }
        XCTAssertEqual(String(decoding: said, as: UTF8.self), "held\n", "the file is held open")

        let r = try cutover(plan, now: inWindow)
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        XCTAssertTrue(r.stderr.contains("verification found differences") && r.stderr.contains("1 repairs failed"), r.stderr)
        let reportPath = try XCTUnwrap(r.stderr.components(separatedBy: "see ").last?.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) })
        let report = try String(contentsOfFile: reportPath, encoding: .utf8)
        XCTAssertTrue(report.contains("| Reports/q4.txt | cannot read |"), report)
        XCTAssertTrue(report.contains("| Reports/q4.txt | copied again | **failed**") && report.contains("SHARING_VIOLATION"), report)
        XCTAssertTrue(report.contains("## After the repair"), report)
        XCTAssertEqual(try link(), "msdfs:\(legacy)\\Scratch", "the namespace was not switched")
        XCTAssertFalse(try aliceCanWrite("while-frozen.txt"), "frozen until rolled back")
        holder.terminate()
        let back = try cutover(plan, ["--rollback"])
        XCTAssertEqual(back.status, 0, back.stderr + back.stdout)
        XCTAssertTrue(try aliceCanWrite("after-rollback.txt"), "the share is not stranded")
        _ = try smbclient(legacy, "Scratch", "del after-rollback.txt")
    }

    /// The weekend to targets that protect their traffic: a server that requires signing, and a
    /// share that requires encryption. Final sync and verify run over the signed or encrypted
    /// direct sessions (the pass log says so), the link names the new target, and rollback puts
    /// it back.
    func testCutoverToTargetsThatRequireSigningOrEncryption() throws {
        for (host, share, folder, transport) in [("127.0.0.23", "Scratch", "signed/share/Scratch", "direct SMB 3.1.1, signed AES-128-GMAC"),
                                                 (modern, "Sealed", "modern/share/Sealed", "direct SMB 3.1.1, encrypted AES-128-GCM")] {
            resetCutover()
            let dir = try scratch()
            let pw = "\(Self.labRoot)/secrets/migrator.pw", root = "\(Self.labRoot)/secrets/root.pw"
            let path = try plan(dir)
            let text = try String(contentsOfFile: path, encoding: .utf8)
                .replacingOccurrences(of: "target: //modern/Scratch", with: "target: //new/\(share)")
                .replacingOccurrences(of: "  modern: {host:", with: "  new: {host: \(host), user: migrator, password_file: \(pw), admin: {user: root, password_file: \(root)}}\n  modern: {host:")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let backing = "\(Self.labRoot)/\(folder)"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: backing)) ?? [] { try FileManager.default.removeItem(atPath: backing + "/" + child) }
            try synced(path)
            let r = try cutover(path, now: inWindow)
            XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
            XCTAssertTrue(r.stdout.contains("0 differences"), r.stdout)
            XCTAssertEqual(try link(), "msdfs:\(host)\\\(share)")
            XCTAssertTrue(try alice(modern, "files", "get scratch/Reports/q4.txt -").contains("quarterly numbers"), "the namespace reaches the new target")
            try assertEveryPassLog(dir, contains: "transport\ttarget //\(host)/\(share): \(transport)")
            let back = try cutover(path, ["--rollback"])
            XCTAssertEqual(back.status, 0, back.stderr + back.stdout)
            XCTAssertEqual(try link(), "msdfs:\(legacy)\\Scratch")
            XCTAssertTrue(try aliceCanWrite("after-rollback-\(share).txt"), "the source is writable again")
            _ = try smbclient(legacy, "Scratch", "del after-rollback-\(share).txt")
        }
    }

    /// The weekend from a source that requires SMB1 signing (LEGACY's Scratch as a 2003 domain
    /// controller serves it): freeze through its srvsvc, final sync and verify over the signed
    /// direct SMB1 session, DFS switch, rollback.
    func testCutoverFromAnSMB1ServerThatRequiresSigning() throws {
        let dc = "127.0.0.24"
        XCTAssertEqual(system("ln -sfn 'msdfs:\(dc)\\Scratch' '\(linkFile)'"), 0)
        let dir = try scratch()
        let path = try plan(dir)
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "host: \(legacy),", with: "host: \(dc),")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try synced(path)
        let r = try cutover(path, now: inWindow)
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("0 differences"), r.stdout)
        XCTAssertEqual(try link(), "msdfs:\(modern)\\Scratch")
        try assertEveryPassLog(dir, contains: "transport\tsource //\(dc)/Scratch: direct SMB1 (NT LM 0.12), signed MD5")
        let back = try cutover(path, ["--rollback"])
        XCTAssertEqual(back.status, 0, back.stderr + back.stdout)
        XCTAssertEqual(try link(), "msdfs:\(dc)\\Scratch")
        let write = try run("smbclient", ["//\(dc)/Scratch", "-U", "alice%\(try password("alice"))", "--option=client min protocol=NT1",
                                          "-c", "put \(path) after-dc-rollback.txt"]).1
        XCTAssertFalse(write.contains("NT_STATUS"), "writable again after the rollback: \(write)")
        _ = try smbclient(legacy, "Scratch", "del after-dc-rollback.txt")
    }

    func testKilledDuringFreezeFinalSyncAndSwitchThenRolledBackExactly() throws {
        let dir = try scratch()
        let plan = try plan(dir)
        try synced(plan)
        let original = try sharePermissions()
        XCTAssertTrue(original.contains("FULL"), original)

        // A change the final sync must carry: the pass that copies it is killed after it finished
        // and before its step was recorded, so the rerun does the final sync again.
        _ = try smbclient(legacy, "Scratch", "put \(dir.path)/plan.yaml late.txt")
        for point in ["freeze-saved", "freeze-applied", "final-sync-started", "final-sync-done", "switch-added"] {
            let r = try cutover(plan, now: inWindow, failpoint: point)
            XCTAssertEqual(r.status, 9, "killed at \(point) (SIGKILL): \(r.stderr)")
            if point == "final-sync-done" {
                XCTAssertTrue(try smbclient(modern, "Scratch", "get late.txt -").contains("migration: scratch cutover"),
                              "killed after the final sync's pass had copied the late change")
            }
        }
        // Killed after adding the new target and before removing the old: both are there.
        XCTAssertEqual(Set(try link().dropFirst(6).split(separator: ",")), ["\(legacy)\\Scratch", "\(modern)\\Scratch"])
        let frozen = try sharePermissions()
        XCTAssertNotEqual(frozen, original)
        XCTAssertTrue(frozen.contains("READ") && !frozen.contains("FULL"), frozen)

        let r = try cutover(plan, now: inWindow)
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertEqual(try link(), "msdfs:\(modern)\\Scratch")
        let log = try String(contentsOfFile: dir.appendingPathComponent("logs/cutover-Scratch.log").path, encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: "saved the share permissions of").count - 1, 1, "the original is read once: no second freeze")
        XCTAssertTrue(log.contains("already saved by an earlier attempt"))
        XCTAssertTrue(log.contains("was interrupted; doing it again"))
        XCTAssertTrue(try smbclient(modern, "Scratch", "get late.txt -").contains("migration: scratch cutover"), "the late change reached the target")
        XCTAssertFalse(try aliceCanWrite("while-switched.txt"))

        let back = try cutover(plan, ["--rollback"])
        XCTAssertEqual(back.status, 0, back.stderr + back.stdout)
        XCTAssertEqual(try sharePermissions(), original, "share permissions restored byte for byte")
        XCTAssertEqual(try link(), "msdfs:\(legacy)\\Scratch")
        XCTAssertTrue(try aliceCanWrite("after-rollback.txt"))
        XCTAssertTrue(try status(plan).contains("cutover: rolled-back"))
    }

    func testAMigrationAccountThatIsNotAnAdministratorCannotFreezeAndSaysSo() throws {
        let dir = try scratch()
        let plan = try plan(dir, admin: false)
        try synced(plan)
        let original = try sharePermissions()
        let r = try cutover(plan, ["--until", "freeze"], now: inWindow)
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        XCTAssertTrue(r.stderr.contains("\\\\127.0.0.21") && r.stderr.contains("access denied") && r.stderr.contains("must administer the server"), r.stderr)
        XCTAssertEqual(try sharePermissions(), original, "nothing changed")
        XCTAssertTrue(try aliceCanWrite("still-writable.txt"))
        let st = try status(plan)
        XCTAssertTrue(st.contains("cutover: synced") && st.contains("freeze failed"), st)
    }

    func testWindowsForecastAndForceWithAnInjectedClock() throws {
        let dir = try scratch()
        let plan = try plan(dir)
        try synced(plan)
        let original = try sharePermissions()

        let outside = try cutover(plan, now: "2026-11-25T12:00:00+01:00")
        XCTAssertEqual(outside.status, 2)
        XCTAssertTrue(outside.stderr.contains("outside every cutover window; the next opens 2026-11-28 18:00 Europe/Berlin"), outside.stderr)

        let late = try cutover(plan, now: "2026-11-30T05:59:58+01:00")
        XCTAssertEqual(late.status, 2)
        XCTAssertTrue(late.stderr.contains("forecast") && late.stderr.contains("window closes in 2 s"), late.stderr)
        XCTAssertEqual(try sharePermissions(), original, "a refusal changes nothing")

        let forced = try cutover(plan, ["--force", "--until", "freeze"], now: "2026-11-25T12:00:00+01:00")
        XCTAssertEqual(forced.status, 0, forced.stderr + forced.stdout)
        XCTAssertNotEqual(try sharePermissions(), original)
        let st = try status(plan)
        XCTAssertTrue(st.contains("cutover: frozen"), st)
        XCTAssertTrue(st.contains("[override: --force: outside every cutover window"), st)
        let log = try String(contentsOfFile: dir.appendingPathComponent("logs/cutover-Scratch.log").path, encoding: .utf8)
        XCTAssertTrue(log.contains("[override: --force"), log)
        XCTAssertEqual(try cutover(plan, ["--rollback"]).status, 0)
        XCTAssertEqual(try sharePermissions(), original)
    }
}

extension CLITestCase {
    /// A plan for the lab's old and new servers with a cutover (the lab's window, `freeze`, the
    /// DFS namespace) for these `shares:` lines, its SID map beside it in `dir`.
    func cutoverPlan(_ dir: URL, name: String, migration: String, shares: String, freeze: String, admin: Bool = true) throws -> String {
        for f in ["lab-principals.csv", "lab-sidmap.csv"] {
            try FileManager.default.copyItem(at: Self.repo.appendingPathComponent("Plans/\(f)"), to: dir.appendingPathComponent(f))
        }
        let pw = "\(Self.labRoot)/secrets/migrator.pw", root = "\(Self.labRoot)/secrets/root.pw"
        let adminAccount = admin ? ", admin: {user: root, password_file: \(root)}" : ""
        let text = """
        migration: \(migration)
        catalog: catalog.sqlite
        servers:
          legacy: {host: \(legacy), user: migrator, password_file: \(pw)\(adminAccount)}
          modern: {host: \(modern), user: migrator, password_file: \(pw)\(adminAccount)}
        shares:
        \(shares)
        acl:
          mode: translate
          principals_file: lab-principals.csv
          map_file: lab-sidmap.csv
          map: {'LEGACY2003\\labadmin': 'MODERNSRV\\labadmin'}
        cutover:
          windows:
            - {start: 2026-11-28 18:00, end: 2026-11-30 06:00, time_zone: Europe/Berlin}
          freeze: {method: \(freeze), close_sessions: true}
          decommission: {method: disable-share}
        dfs: {namespace: '\\\\modern\\files', provider: samba}
        """
        let path = dir.appendingPathComponent(name)
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }
}
