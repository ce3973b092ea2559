import Foundation
import TreeConformance
import XCTest

/// Helpers for tests that drive the real `migrate` binary.
class CLITestCase: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let labRoot = ProcessInfo.processInfo.environment["MIGRATE_LAB_ROOT"] ?? "/tmp/migrate-lab"

    var binary: String {
        get throws {
            let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for candidate in [dir.appendingPathComponent("migrate").path, Self.repo.appendingPathComponent(".build/debug/migrate").path]
                where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            if ProcessInfo.processInfo.environment["MIGRATE_REQUIRE_LAB"] != nil { throw CocoaError(.fileNoSuchFile) }
            throw XCTSkip("migrate binary not built (swift build first)")
        }
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    func migrate(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-cli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["MIGRATE_KEEP_SCRATCH"] == nil { addTeardownBlock { try? FileManager.default.removeItem(at: dir) } }
        return dir
    }

    func requireLab() throws {
        guard FileManager.default.fileExists(atPath: "\(Self.labRoot)/legacy/manifest.json") else {
            if ProcessInfo.processInfo.environment["MIGRATE_REQUIRE_LAB"] != nil { throw CocoaError(.fileNoSuchFile) }
            throw XCTSkip("lab not running: Lab/lab.sh up && Lab/lab.sh seed")
        }
    }

}

/// Drives the real `migrate` binary against the lab and checks what a user sees.
final class CLITests: CLITestCase {
    func testHelpListsCommandsAndExitCodes() throws {
        let r = try migrate(["--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("plan"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Exit status: 0 all good, 1"), r.stdout)
        let p = try migrate(["plan", "--help"])
        XCTAssertTrue(p.stdout.contains("--report"), p.stdout)
        XCTAssertTrue(p.stdout.contains("--no-acls"), p.stdout)
    }

    /// Bad arguments exit 2, as the help and README say (the argument parser's own code is 64).
    func testBadArgumentsExit2() throws {
        for args in [["sync"], ["sync", "--bogus", "x.yaml"], ["cutover", "x.yaml", "--until", "nowhere"], ["nosuchcommand"], ["sync", "x.yaml", "--workers", "many"]] {
            let r = try migrate(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("Error:") || r.stderr.contains("error:"), "\(args): \(r.stderr)")
        }
        XCTAssertEqual(try migrate(["--version"]).status, 0)
    }

    /// The lab plan inventories exactly what the seed made, lists the unmapped SID loudly and the
    /// one unreadable folder, and exits 1 because of that folder.
    func testPlanOnTheLabMatchesTheSeed() throws {
        try requireLab()
        let dir = try scratch()
        let r = try migrate(["plan", Self.repo.appendingPathComponent("Plans/lab.yaml").path, "--report", dir.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Users\\kbrown: list folder: access denied (NT status ACCESS_DENIED)"), r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("plan-report.json"))) as! [String: Any]
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(Self.labRoot)/legacy/manifest.json"))) as! [String: Any]
        let seeded = (manifest["shares"] as! [String: [String: Any]])
        let shares = json["shares"] as! [[String: Any]]
        XCTAssertEqual(shares.count, 3)
        for share in shares {
            let name = share["name"] as! String
            var entries = seeded[name]!["entries"] as! [[String: Any]]
            if name == "Finance" { entries = entries.filter { !(($0["path"] as! String).hasPrefix("~$")) } }   // excluded by the plan
            if name == "Users" { entries = entries.filter { !(($0["path"] as! String).hasPrefix("kbrown\\")) } } // unreadable
            let files = entries.filter { $0["kind"] as! String == "file" }
            XCTAssertEqual(share["files"] as? Int, files.count, name)
            XCTAssertEqual(share["folders"] as? Int, entries.count - files.count, name)
            XCTAssertEqual((share["bytes"] as? NSNumber)?.uint64Value, files.reduce(UInt64(0)) { $0 + ($1["size"] as! NSNumber).uint64Value }, name)
            if name == "Finance" {
                XCTAssertEqual(share["excluded"] as? Int, 1)
                XCTAssertEqual(share["protectedEntries"] as? [String], ["Payroll"])
                XCTAssertEqual(share["withSACL"] as? Int, 1)
            }
            if name == "Projects" {
                let issues = share["nameIssues"] as! [[String: String]]
                XCTAssertTrue(issues.contains { $0["problem"]!.contains("MAX_PATH") }, "\(issues)")
            }
            if name == "Users" { XCTAssertEqual(share["unreadableCount"] as? Int, 2) }
        }
        let md = try String(contentsOf: dir.appendingPathComponent("plan-report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("## ⚠ Principals that will not map"))
        XCTAssertTrue(md.contains("S-1-5-21-1004336348-1177238915-682003330-1199"))
        XCTAssertTrue(md.contains("OLDCORP\\Finance-Staff"))
        XCTAssertTrue(md.contains("NEWCORP\\Finance `S-1-5-21-2610735126-3353893720-2480147207-2105`"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("plan-report.html").path))
    }

    func writePlan(_ dir: URL, _ body: String) throws -> String {
        let path = dir.appendingPathComponent("plan.yaml")
        try body.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    func servers(legacyHost: String = "127.0.0.21", legacySecret: String? = nil) -> String {
        """
        migration: cli test
        servers:
          legacy:
            host: \(legacyHost)
            user: migrator
            \(legacySecret ?? "password_file: \(Self.labRoot)/secrets/migrator.pw")
          modern:
            host: 127.0.0.22
            user: migrator
            password_file: \(Self.labRoot)/secrets/migrator.pw

        """
    }

    func testWrongPasswordUnreachableHostAndMissingShareEachGiveOneClearLine() throws {
        try requireLab()
        let dir = try scratch()
        let pw = dir.appendingPathComponent("wrong.pw")
        try "not-the-password\n".write(to: pw, atomically: true, encoding: .utf8)
        chmod(pw.path, 0o600)
        for (plan, expected) in [
            (servers(legacySecret: "password_file: \(pw.path)") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n",
             "source \\\\127.0.0.21\\Finance (share Finance, as migrator): connect failed: logon failed"),
            (servers(legacyHost: "127.0.0.29") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n",
             "source \\\\127.0.0.29\\Finance (share Finance, as migrator): connect failed: server unreachable"),
            (servers() + "shares:\n  - {source: //legacy/Marketing, target: //modern/Finance}\n",
             "source \\\\127.0.0.21\\Marketing (share Marketing, as migrator): connect failed: share not found"),
        ] {
            let r = try migrate(["plan", try writePlan(dir, plan), "--report", dir.path])
            XCTAssertEqual(r.status, 1, r.stderr)
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
            XCTAssertEqual(errors.count, 1, r.stderr)
            XCTAssertTrue(errors.first?.contains(expected) ?? false, "expected '\(expected)' in:\n\(r.stderr)")
            XCTAssertFalse(r.stderr.contains("not-the-password") || r.stdout.contains("not-the-password"))
            let md = try String(contentsOf: dir.appendingPathComponent("plan-report.md"), encoding: .utf8)
            XCTAssertTrue(md.contains("## ⚠ Connection problems"), md)
        }
    }

    /// A share whose permissions refuse the account (as a disabled or frozen share does) says
    /// so, not "logon failed (wrong user or password?)", which sends people to reset passwords.
    func testAShareThatRefusesTheAccountSaysAccessDeniedNotLogonFailed() throws {
        try requireLab()
        let dir = try scratch()
        XCTAssertEqual(try run("sharesec", ["-s", "\(Self.labRoot)/legacy/smb.conf", "Scratch", "--replace", "S-1-1-0:DENIED/0/FULL"]).0, 0)
        defer { _ = system("\(Self.repo.path)/Lab/lab.sh reset-cutover >/dev/null 2>&1") }
        let r = try migrate(["plan", try writePlan(dir, servers() + "shares:\n  - {source: //legacy/Scratch, target: //modern/Scratch}\n"),
                             "--report", dir.path, "--no-probe"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("source \\\\127.0.0.21\\Scratch (share Scratch, as migrator): connect failed: access denied (NT status ACCESS_DENIED; the account logged on, the share's permissions refuse it)"), r.stderr)
        XCTAssertFalse(r.stderr.contains("logon failed"), r.stderr)
    }

    /// A wrong password is tried once per server and run, never once per share and transport
    /// (on a domain, every failed logon counts towards the account's lockout): a relay in front of
    /// LEGACY counts the NTLM AUTHENTICATE messages of `plan` and `sync` over three shares.
    func testAWrongPasswordIsTriedOncePerServer() throws {
        try requireLab()
        let dir = try scratch()
        let pw = dir.appendingPathComponent("wrong.pw")
        try "not-the-password\n".write(to: pw, atomically: true, encoding: .utf8)
        chmod(pw.path, 0o600)
        let relay = try TamperRelay(upstream: legacy) { _, _ in }
        defer { relay.stop() }
        let plan = try writePlan(dir, servers(legacyHost: relay.address, legacySecret: "password_file: \(pw.path)") + """
        catalog: catalog.sqlite
        shares:
          - {source: //legacy/Finance, target: //modern/Finance}
          - {source: //legacy/Projects, target: //modern/Projects}
          - {source: //legacy/Users, target: //modern/Users}

        """)
        var before = relay.logonAttempts
        for args in [["plan", plan, "--report", dir.path, "--no-probe"], ["sync", plan]] {
            let r = try migrate(args)
            XCTAssertEqual(r.status, 1, "\(args[0]): \(r.stderr)")
            XCTAssertEqual(relay.logonAttempts - before, 1, "\(args[0]): one failed logon, not one per share and library: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("logon failed"), r.stderr)
            XCTAssertTrue(r.stderr.contains("not tried: the logon to \(relay.address) as migrator already failed in this run"), r.stderr)
            before = relay.logonAttempts
        }
    }

    /// One run at a time on a catalog: while another run holds the lock (here this test, with
    /// what a sync writes there), `sync` and `cutover` are refused with exit 2 and who holds it,
    /// before any server is contacted; `status` and the runbook still work. A lock file left
    /// by a run that died (nobody holds the flock) is taken over.
    func testASecondRunIsRefusedWithWhoHoldsTheCatalog() throws {
        let dir = try scratch()
        let pw = dir.appendingPathComponent("x.pw")
        try "secret\n".write(to: pw, atomically: true, encoding: .utf8)
        chmod(pw.path, 0o600)
        // 127.0.0.29 answers nothing: a run that got past the lock would fail "unreachable".
        let plan = try writePlan(dir, """
        migration: lock test
        catalog: catalog.sqlite
        servers:
          old: {host: 127.0.0.29, user: migrator, password_file: \(pw.path)}
        shares:
          - {source: //old/Finance, target: \(dir.path)/target}
        """)
        let lockPath = dir.appendingPathComponent("catalog.sqlite.lock").path
        let holder = "pid 4242 on fs-mig01 since 2026-11-28T19:00:00Z (migrate sync)"
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        _ = holder.withCString { write(fd, $0, strlen($0)) }
        for args in [["sync", plan], ["cutover", plan, "--force"]] {
            let r = try migrate(args)
            XCTAssertEqual(r.status, 2, "\(args[0]): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("the catalog is in use by \(holder)"), r.stderr)
            XCTAssertFalse(r.stderr.contains("unreachable"), "refused before connecting: \(r.stderr)")
        }
        XCTAssertNotEqual(try migrate(["status", plan]).status, 2, "status reads while a run goes on")
        flock(fd, LOCK_UN)
        close(fd)
        // Dead holder: the file still names it, nobody holds the lock; the run goes on (and fails at the server).
        let r = try migrate(["sync", plan])
        XCTAssertFalse(r.stderr.contains("in use"), r.stderr)
        XCTAssertTrue(r.stderr.contains("unreachable"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: lockPath, encoding: .utf8), "", "the run cleared its lock when it ended")
    }

    /// LEGACY maps unknown users to guest and has a share guests may enter: an account the server
    /// does not know gets in silently, and migrate must refuse that session.
    func testGuestSessionIsRefused() throws {
        try requireLab()
        let dir = try scratch()
        let pw = dir.appendingPathComponent("ghost.pw")
        try "anything\n".write(to: pw, atomically: true, encoding: .utf8)
        chmod(pw.path, 0o600)
        let plan = """
            migration: guest
            servers:
              legacy: {host: 127.0.0.21, user: ghost, password_file: \(pw.path)}
              modern: {host: 127.0.0.22, user: migrator, password_file: \(Self.labRoot)/secrets/migrator.pw}
            shares:
              - {source: //legacy/Public, target: //modern/Scratch}
            """
        // The independent client gets in as guest without a word…
        let guest = try runTool("smbclient", ["//127.0.0.21/Public", "-U", "ghost%anything", "--option=client min protocol=NT1", "-c", "ls"])
        XCTAssertEqual(guest.status, 0, guest.output)
        // …migrate does not.
        let r = try migrate(["plan", try writePlan(dir, plan), "--report", dir.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("source \\\\127.0.0.21\\Public (share Public, as ghost): connect failed: logon failed"), r.stderr)
        XCTAssertTrue(r.stderr.contains("the server logged 'ghost' on as a guest; refusing a guest session"), r.stderr)
        // Over libsmbclient alone the server will not say who a guest is; the unknown-account probe gets in too.
        let alone = try migrate(["plan", try writePlan(dir, plan), "--report", dir.path], env: ["MIGRATE_DIRECT_SMB": "0"])
        XCTAssertEqual(alone.status, 1, alone.stderr)
        XCTAssertTrue(alone.stderr.contains("the server admits unknown accounts as guest and would not confirm this logon is 'ghost'; refusing a possible guest session"), alone.stderr)
    }

    /// Without direct sessions the server is asked who the session is (LSA GetUserName): the
    /// account and the domain must be the plan's. Samba takes an unknown domain's logon as its
    /// own local account of that name, which is not the account the plan names.
    func testTheAccountAndDomainTheServerNamesMustBeThePlans() throws {
        try requireLab()
        let dir = try scratch()
        func run(_ domain: String) throws -> (status: Int32, stderr: String) {
            let plan = """
                migration: domain
                servers:
                  legacy: {host: 127.0.0.21, domain: \(domain), user: migrator, password_file: \(Self.labRoot)/secrets/migrator.pw}
                  modern: {host: 127.0.0.22, user: migrator, password_file: \(Self.labRoot)/secrets/migrator.pw}
                shares:
                  - {source: //legacy/Finance, target: //modern/Scratch}
                """
            let r = try migrate(["plan", try writePlan(dir, plan), "--report", dir.path, "--no-probe", "--no-acls"], env: ["MIGRATE_DIRECT_SMB": "0"])
            return (r.status, r.stderr)
        }
        let right = try run("LEGACY2003")
        XCTAssertEqual(right.status, 0, right.stderr)
        let wrong = try run("OTHERDOM")
        XCTAssertEqual(wrong.status, 1, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("the server logged the session on as 'LEGACY2003\\migrator', not as 'OTHERDOM\\migrator'"), wrong.stderr)
    }

    /// `encryption: required` is honoured per server: the SMB3 target (also with signing required)
    /// connects; the SMB1-only legacy server, which cannot encrypt, is refused rather than used in clear.
    func testEncryptionRequiredPerServer() throws {
        try requireLab()
        let dir = try scratch()
        let pw = "\(Self.labRoot)/secrets/migrator.pw"
        let plan = """
            migration: encryption
            servers:
              legacy: {host: 127.0.0.21, user: migrator, password_file: \(pw), encryption: required}
              modern: {host: 127.0.0.22, user: migrator, password_file: \(pw), encryption: required, signing: required}
            shares:
              - {source: //legacy/Finance, target: //modern/Finance}
              - {name: Modern, source: //modern/Projects, target: //modern/Scratch}
            """
        let r = try migrate(["plan", try writePlan(dir, plan), "--report", dir.path, "--no-probe", "--no-acls"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, r.stderr)
        XCTAssertTrue(errors.first?.contains("source \\\\127.0.0.21\\Finance") ?? false, r.stderr)
        XCTAssertTrue(errors.first?.contains("Encryption required") ?? false, r.stderr)
        // What //modern/Projects holds depends on the tests that ran before (the lab plan syncs
        // into it): the count must be the server folder's own.
        let files = FileManager.default.enumerator(atPath: "\(Self.labRoot)/modern/share/Projects")?.filter { path in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: "\(Self.labRoot)/modern/share/Projects/\(path as! String)", isDirectory: &isDir)
            return !isDir.boolValue
        }.count ?? -1
        XCTAssertTrue(r.stderr.contains("Modern: \(files) files"), "expected \(files) files: " + r.stderr)
    }

    func testBadInputExitsTwo() throws {
        let dir = try scratch()
        // Broken plan: compiler-style location.
        var r = try migrate(["plan", try writePlan(dir, "migration: x\nservers: [\n")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("plan.yaml:3:1: error: YAML syntax"), r.stderr)
        // Password from an unset environment variable.
        let plan = servers(legacySecret: "password_env: MIGRATE_TEST_UNSET_PW") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n"
        r = try migrate(["plan", try writePlan(dir, plan)], env: ["MIGRATE_TEST_UNSET_PW": ""])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("server 'legacy': environment variable MIGRATE_TEST_UNSET_PW (password_env) is not set"), r.stderr)
        // A password file others can read.
        let pw = dir.appendingPathComponent("open.pw")
        try "x\n".write(to: pw, atomically: true, encoding: .utf8)
        chmod(pw.path, 0o644)
        r = try migrate(["plan", try writePlan(dir, servers(legacySecret: "password_file: \(pw.path)") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("is readable by others (mode 644)"), r.stderr)
        // Missing plan file.
        r = try migrate(["plan", dir.appendingPathComponent("nope.yaml").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("nope.yaml:1:1: error: cannot read the plan file"), r.stderr)
    }

    func testPasswordFromEnvironmentWorks() throws {
        try requireLab()
        let dir = try scratch()
        let password = try String(contentsOfFile: "\(Self.labRoot)/secrets/migrator.pw", encoding: .utf8).trimmingCharacters(in: .newlines)
        let plan = servers(legacySecret: "password_env: MIGRATE_TEST_PW") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n"
        let r = try migrate(["plan", try writePlan(dir, plan), "--report", dir.path, "--no-probe"], env: ["MIGRATE_TEST_PW": password])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("1 shares, 54 files, 12 folders"), r.stdout)
    }
}

extension CLITests {
    func testWindowsRunbookPrintsThePowerShellItWillRun() throws {
        let plan = Self.repo.appendingPathComponent("Plans/windows-2003.yaml").path
        let env = ["MIGRATE_FS01_PASSWORD": "x", "MIGRATE_FS01_ADMIN_PASSWORD": "y", "MIGRATE_FS2025_PASSWORD": "z"]
        let r = try migrate(["cutover", plan, "--dry-run", "--share", "Accounting"], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        for needle in ["New-DfsnFolderTarget -Path '\\\\corp.example.com\\files\\accounting' -TargetPath '\\\\fs2025.corp.example.com\\Accounting'",
                       "Set-DfsnFolderTarget -Path '\\\\corp.example.com\\files\\accounting' -TargetPath '\\\\fs01.corp.example.com\\Accounting' -State Offline",
                       "Remove-DfsnFolderTarget", "2026-12-05 19:00 America/Chicago", "not synced yet"] {
            XCTAssertTrue(r.stdout.contains(needle), "runbook lacks \(needle):\n\(r.stdout)")
        }
        XCTAssertFalse(r.stdout.contains("Home$"), "--share picks one share")
    }

    func testValidateOnlyDoesNotConnect() throws {
        let dir = try scratch()
        // Unreachable host and unset password: --validate-only must not care.
        let plan = servers(legacyHost: "127.0.0.29", legacySecret: "password_env: MIGRATE_TEST_NEVER_SET") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n"
        let r = try migrate(["plan", try writePlan(dir, plan), "--validate-only"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("plan is valid (1 shares, 2 servers)"), r.stdout)
    }

    /// A server that takes the connection and never answers is "unreachable" within the reply
    /// timeout (`MIGRATE_IO_TIMEOUT`), on every transport: no session waits for ever (it was 300 s each).
    func testAServerThatNeverAnswersIsUnreachableWithinTheTimeout() throws {
        let dir = try scratch()
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        listener.arguments = ["-c", """
            import socket, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.31', 445)); s.listen(8)
            print('listening', flush=True)
            held = []
            while True:
                c, _ = s.accept(); held.append(c)
            """]
        let out = Pipe()
        listener.standardOutput = out
        try listener.run()
        defer { listener.terminate() }
        _ = out.fileHandleForReading.availableData
        let plan = servers(legacyHost: "127.0.0.31", legacySecret: "password_env: MIGRATE_TEST_PW") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n"
        let started = Date()
        let r = try migrate(["verify", try writePlan(dir, plan)], env: ["MIGRATE_IO_TIMEOUT": "2", "MIGRATE_TEST_PW": "x"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("//127.0.0.31/Finance: connect failed: server unreachable"), r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "three bounded attempts (direct SMB2, direct SMB1, libsmbclient)")
    }

    /// `--validate-only` checks the password files as a run would read them: one others can
    /// read, one that belongs to another user, one that is missing are each bad input.
    func testValidateOnlyChecksPasswordFiles() throws {
        let dir = try scratch()
        let pw = dir.appendingPathComponent("file.pw")
        try "x\n".write(to: pw, atomically: true, encoding: .utf8)
        let plan = try writePlan(dir, servers(legacySecret: "password_file: \(pw.path)") + "shares:\n  - {source: //legacy/Finance, target: //modern/Finance}\n")
        for (prepare, expected) in [({ chmod(pw.path, 0o644) }, "is readable by others (mode 644)"),
                                    ({ chmod(pw.path, 0o600); return chown(pw.path, 65534, 65534) }, "belongs to uid 65534, not to the user running migrate"),
                                    ({ unlink(pw.path) }, "No such file or directory")] as [(() -> Int32, String)] {
            _ = prepare()
            let r = try migrate(["plan", plan, "--validate-only"])
            XCTAssertEqual(r.status, 2, r.stdout)
            XCTAssertTrue(r.stderr.contains("server 'legacy': password file \(pw.path)") && r.stderr.contains(expected), r.stderr)
        }
    }
}
