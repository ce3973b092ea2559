import Foundation
import XCTest

/// `migrate` against a scripted hostile server (Hostile/hostile_smb.py: impacket's SMB1 server
/// with one misbehaviour switched on), on its own loopback address: each case ends with a clear
/// error naming the server and what it did, and no hang.
final class HostileServerLabTests: CLITestCase {
    let address = "127.0.0.26"
    var server: Process?

    override func setUpWithError() throws {
        try requireLab()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), system("/usr/bin/python3 -c 'import impacket.smbserver' 2>/dev/null") == 0 else {
            throw XCTSkip("impacket not installed (Lab/lab.sh up installs it)")
        }
        _ = system("ip addr add \(address)/32 dev lo 2>/dev/null")
        addTeardownBlock { [self] in
            server?.terminate(); server?.waitUntilExit()
            _ = system("ip addr del \(address)/32 dev lo 2>/dev/null")
        }
    }

    /// Starts the hostile server on a folder of three files; returns a plan that copies it to a
    /// local folder, or to `target` (a lab share, when descriptors must be read).
    func start(_ mode: String, target: String? = nil) throws -> String {
        let dir = try scratch()
        let share = dir.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        for i in 1...3 { try "file \(i)\n".write(to: share.appendingPathComponent("f\(i).txt"), atomically: true, encoding: .utf8) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Self.repo.appendingPathComponent("Tests/CLITests/Hostile/hostile_smb.py").path, address, share.path, "migrator", mode]
        p.environment = ["HOSTILE_PASSWORD": try password("migrator"), "PATH": "/usr/bin:/bin"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        server = p
        for _ in 0..<100 where system("bash -c 'exec 3<>/dev/tcp/\(address)/445' 2>/dev/null") != 0 { usleep(100_000) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let plan = dir.appendingPathComponent("hostile.yaml")
        try """
        migration: hostile
        catalog: catalog.sqlite
        servers:
          hostile: {host: \(address), user: migrator, password_file: \(Self.labRoot)/secrets/migrator.pw}
          modern: {host: \(modern), user: migrator, password_file: \(Self.labRoot)/secrets/migrator.pw}
        shares:
          - {source: //hostile/NAS, target: \(target ?? out.path)}
        """.write(to: plan, atomically: true, encoding: .utf8)
        return plan.path
    }

    /// FIND_NEXT that never ends (every answer the first batch again, "more to come"): the
    /// listing is refused with what the server did, the pass ends, nothing is deleted.
    func testASearchThatNeverEndsIsRefused() throws {
        let plan = try start("find-next-forever")
        let started = Date()
        let r = try migrate(["sync", plan, "--workers", "0", "--retries", "0"])
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        XCTAssertTrue(r.stderr.contains("//\(address)/NAS: list folder failed: I/O error (the server answered FIND_NEXT with the same entries again (its search never ends); refused)"), r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "no hang")
    }

    /// A server that announces a 16 MiB frame and sends no more of it: every wait is bounded
    /// (`MIGRATE_IO_TIMEOUT`), the server is unreachable, and the run ends with exit 1.
    /// A server that takes the connection and never answers is bounded the same way.
    func testAFrameThatNeverArrivesIsBoundedByTheTimeout() throws {
        for mode in ["huge-frame", "silent"] {
            let plan = try start(mode)
            let started = Date()
            let r = try migrate(["sync", plan, "--workers", "0"], env: ["MIGRATE_IO_TIMEOUT": "2"])
            XCTAssertEqual(r.status, 1, mode + ": " + r.stderr + r.stdout)
            XCTAssertTrue(r.stderr.contains("//\(address)/NAS: connect failed: server unreachable"), mode + ": " + r.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(started), 30, "\(mode): bounded attempts, no 300 s wait")
            server?.terminate(); server?.waitUntilExit()
            usleep(300_000)
        }
    }

    /// An NTLM challenge with 65,000 bytes of target information (the response's 16-bit lengths
    /// trapped on it): no crash; the direct session refuses it and says so.
    func testAnOversizedNTLMChallengeIsRefused() throws {
        let plan = try start("huge-target-info")
        let r = try migrate(["sync", plan, "--workers", "0", "--retries", "0"])
        XCTAssertNotEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertLessThan(r.status, 128, "no crash: " + r.stderr)
        XCTAssertTrue(r.stderr.contains("//\(address)/NAS: connect failed: the server's reply failed its integrity check (the server's NTLM challenge is malformed or larger than any server's"), r.stderr)
    }

    /// A descriptor query whose NT_TRANSACT reply announces 4 GiB: refused before anything is
    /// allocated, the file reported with what the server did, no crash.
    func testATransactionAnnouncingGigabytesIsRefused() throws {
        try resetScratch()
        let plan = try start("nt-transact-4gib", target: "//modern/Scratch")
        let r = try migrate(["sync", plan, "--workers", "0", "--retries", "0"])
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        for file in ["f1.txt", "f2.txt", "f3.txt"] {
            XCTAssertTrue(r.stderr.contains("failed: NAS: copy \(file): //\(address)/NAS: read security descriptor failed: the server's reply failed its integrity check (the server announced a transaction reply of 4294967284 bytes, more than the 1048576 any request here asks for; refused)"), r.stderr)
        }
    }

    /// An SMB2 listing with a folder name of 40,000 UTF-16 units (the request builders' 16-bit
    /// lengths trapped on the path into it): the listing is refused with what the server sent.
    func testAFolderNameLongerThanAnyFileSystemAllowsIsRefused() throws {
        let plan = try start("long-name")
        let r = try migrate(["sync", plan, "--workers", "0", "--retries", "0"])
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        XCTAssertTrue(r.stderr.contains("the server sent a listing record whose name is 80000 bytes long (at most 510, even); the listing is refused"), r.stderr)
    }

    /// The guest check over libsmbclient fails closed: impacket does not say who a session is
    /// (no LSA), so an unknown account is tried; when that logon fails for another reason than
    /// "logon failure", whether the server admits anyone cannot be told, and the share is refused.
    func testAGuestCheckThatCannotDecideRefusesTheSession() throws {
        let plain = try start("plain")
        let ok = try migrate(["plan", plain, "--no-probe"], env: ["MIGRATE_DIRECT_SMB": "0"])
        XCTAssertFalse(ok.stderr.contains("refusing a possible guest session"), "the control passes the check: " + ok.stderr)
        server?.terminate(); server?.waitUntilExit()
        usleep(300_000)
        let plan = try start("odd-unknown-accounts")
        let r = try migrate(["plan", plan, "--no-probe"], env: ["MIGRATE_DIRECT_SMB": "0"])
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        XCTAssertTrue(r.stderr.contains("whether it admits unknown accounts as guest could not be checked; refusing a possible guest session"), r.stderr)
    }

    /// Entries whose names cannot exist on a target (a path out of the target, dots only, empty,
    /// a separator, a stream, a NUL), each listed by the server: each is refused and reported,
    /// nothing is created outside the target, the good files are copied, and the walk ends.
    func testNamesThatCannotExistOnTheTargetAreRefusedOneByOne() throws {
        let plan = try start("names")
        let dir = URL(fileURLWithPath: plan).deletingLastPathComponent()
        let started = Date()
        let r = try migrate(["sync", plan, "--workers", "0", "--retries", "0"])
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "no endless walk")
        for (name, why) in [("../../escape-dir", "it has a path separator"), ("...", "a name of dots only, which Windows reads as '.'"),
                            ("", "an empty name"), ("a\\b.txt", "it has a path separator"),
                            ("c:d.txt", "':' makes it an alternate data stream on the target"), ("nul\\x0.txt", "it has a control character")] {
            XCTAssertTrue(r.stderr.contains("the server listed an entry named '\(name)', which cannot exist on the target (\(why)): skipped"), name + ": " + r.stderr)
        }
        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["f1.txt", "f2.txt", "f3.txt"])
        // The plan report names each (escaped) and its walk ends too: no name is walked into.
        let report = dir.appendingPathComponent("report")
        let p = try migrate(["plan", plan, "--no-probe", "--report", report.path])
        XCTAssertEqual(p.status, 0, p.stderr)
        let md = try String(contentsOf: report.appendingPathComponent("plan-report.md"), encoding: .utf8)
        for name in ["../../escape-dir", "...", "", "a\\b.txt", "c:d.txt", "nul\\x0.txt"] {
            XCTAssertTrue(md.contains("- `\(name)`: not a name a pass can use"), name + ": " + md)
        }
        XCTAssertFalse(md.unicodeScalars.contains("\u{0}"), "no raw NUL in the report")
        for escaped in [dir.appendingPathComponent("escape-dir"), dir.deletingLastPathComponent().appendingPathComponent("escape-dir"),
                        out.appendingPathComponent("../../escape-dir").standardizedFileURL] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: escaped.path), "nothing outside the target: \(escaped.path)")
        }
    }
}
