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
        for f in ["lab-principals.csv", "lab-sidmap.csv"] {
            try FileManager.default.copyItem(at: Self.repo.appendingPathComponent("Plans/\(f)"), to: dir.appendingPathComponent(f))
        }
        let pw = "\(Self.labRoot)/secrets/migrator.pw", root = "\(Self.labRoot)/secrets/root.pw"
        let adminAccount = admin ? ", admin: {user: root, password_file: \(root)}" : ""
        let text = """
        migration: scratch cutover
        catalog: catalog.sqlite
        servers:
          legacy: {host: \(legacy), user: migrator, password_file: \(pw)\(adminAccount)}
          modern: {host: \(modern), user: migrator, password_file: \(pw)\(adminAccount)}
        shares:
          - {source: //legacy/Scratch, target: //modern/Scratch, dfs_link: scratch}
        acl:
          mode: translate
          principals_file: lab-principals.csv
          map_file: lab-sidmap.csv
          map: {'LEGACY2003\\labadmin': 'MODERNSRV\\labadmin'}
        cutover:
          windows:
            - {start: 2026-11-28 18:00, end: 2026-11-30 06:00, time_zone: Europe/Berlin}
          freeze: {method: share-permissions, close_sessions: true}
          decommission: {method: disable-share}
        dfs: {namespace: '\\\\modern\\files', provider: samba}
        """
        let path = dir.appendingPathComponent("plan.yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
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

    /// Descriptor differences found at verify time (an ACE added to a file's DACL, another owner,
    /// inheritance turned off on a folder, all on the target after the last sync): the cutover
    /// stops at verify with exit 1 and a report naming each, never a crash (it aborted on an
    /// exclusivity violation before), and rollback then unfreezes the share.
    func testDescriptorDifferencesAtVerifyTimeStopTheCutoverWithAReport() throws {
        let dir = try scratch()
        let plan = try plan(dir)
        try synced(plan)
        let admin = ["-U", "labadmin%\(try password())"]
        XCTAssertEqual(try run("smbcacls", ["//\(modern)/Scratch", "Reports/q4.txt"] + admin + ["--add", "ACL:S-1-5-32-545:ALLOWED/0/READ"]).0, 0)
        XCTAssertEqual(try run("smbcacls", ["//\(modern)/Scratch", "top.txt"] + admin + ["--chown", "S-1-5-32-544"]).0, 0)
        XCTAssertEqual(try run("smbcacls", ["//\(modern)/Scratch", "Reports"] + admin + ["--inherit", "remove"]).0, 0)
        // The cutover's final sync runs first; with `--acl-check auto` on a Samba source it does not
        // read file descriptors, so verify is where these are found.
        let r = try cutover(plan, now: inWindow)
        XCTAssertEqual(r.status, 1, "stopped, not crashed (an abort is 134): \(r.stderr)\n\(r.stdout)")
        let said = r.stdout + r.stderr
        XCTAssertTrue(said.contains("verification found differences"), said)
        let reportPath = try XCTUnwrap(said.components(separatedBy: "see ").last?.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) })
        let report = try String(contentsOfFile: reportPath.hasSuffix(".md") ? reportPath : reportPath + ".md", encoding: .utf8)
        for needle in ["Reports/q4.txt", "DACL", "top.txt", "owner", "inheritance (protected)"] {
            XCTAssertTrue(report.contains(needle), "the report names \(needle): \(report.prefix(1500))")
        }
        XCTAssertEqual(try link(), "msdfs:\(legacy)\\Scratch", "the namespace was not switched")
        XCTAssertFalse(try aliceCanWrite("while-frozen.txt"), "frozen until rolled back")
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
