import Foundation
import MigrateCore
import TreeConformance
import XCTest

/// `migrate sync` of the lab's Finance share to targets that require signing (the SIGNED server)
/// or encryption (MODERN's Sealed share), and with a plan that requires signing of a server
/// that does not: the direct sessions serve, protected as asked (the pass log says which), and
/// the result is the same as on the plain target (smbclient and smbcacls, which sign and
/// encrypt as those servers ask, check it).
final class ProtectedTargetSyncLabTests: CLITestCase {
    let signed = "127.0.0.23"

    /// Lab.yaml for Finance alone, with `changes` made to its text.
    func plan(_ dir: URL, _ changes: [(String, String)] = []) throws -> String {
        let plans = Self.repo.appendingPathComponent("Plans")
        for f in ["lab-principals.csv", "lab-sidmap.csv"] {
            try FileManager.default.copyItem(at: plans.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        var text = try String(contentsOf: plans.appendingPathComponent("lab.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "catalog: ../.migrate/lab.sqlite", with: "catalog: catalog.sqlite")
        for (from, to) in changes { text = text.replacingOccurrences(of: from, with: to) }
        let path = dir.appendingPathComponent("protected.yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    func empty(_ folder: String) throws {
        for child in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            try FileManager.default.removeItem(atPath: folder + "/" + child)
        }
    }

    /// A full pass of Finance into the emptied `folder`, the pass log naming each `transports`
    /// line, the target equal to LEGACY's Finance (every entry, Payroll's protected ACL and mapped
    /// owner, a create time), then a delta that finds nothing.
    func syncAndCheck(_ dir: URL, _ p: String, target: (host: String, share: String), folder: String, transports: [String]) throws {
        try requireLab()
        try empty(folder)
        var r = try migrate(["sync", p, "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (full): copied 53 files and 12 folders"), r.stdout)
        let log = try XCTUnwrap(try passLogs(dir, share: "Finance").last)
        for t in transports { XCTAssertTrue(log.contains("transport\t" + t), "\(t) in \(log.prefix(600))") }

        let source = try listing(legacy, "Finance").filter { !$0.key.hasSuffix("~$Forecast.doc") }
        assertSameListing(source, try listing(target.host, target.share), "\(target.host)/\(target.share)")
        let (control, payroll) = try acl(target.host, target.share, "Payroll")
        XCTAssertEqual(control & 0x1400, 0x1400, "protected and auto-inherited")
        XCTAssertEqual(payroll.owner?.description, "S-1-5-21-2610735126-3353893720-2480147207-2106")
        let info = try smbclient(target.host, target.share, "allinfo \"Budget 2011.xls\"")
        XCTAssertTrue(info.contains("create_time:    Wed Sep  1 09:00:00 2010 UTC"), info)

        r = try migrate(["sync", p, "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (delta): copied 0 files and 0 folders, updated 0, metadata 0, deleted 0, unchanged 65, failed 0"), r.stdout)
    }

    func testSyncToAServerThatRequiresSigning() throws {
        let dir = try scratch()
        try syncAndCheck(dir, try plan(dir, [("host: 127.0.0.22", "host: \(signed)")]), target: (signed, "Finance"),
                         folder: "\(Self.labRoot)/signed/share/Finance", transports: ["target //\(signed)/Finance: direct SMB 3.1.1, signed AES-128-GMAC"])
    }

    /// A reply changed on the way from the signing target (a relay flips one byte of the first
    /// reply after the logon): the pass stops with an error naming the server and the check that
    /// failed, the run exits 1, and nothing is written to the target.
    func testAReplyChangedOnTheWayStopsThePassWithAClearError() throws {
        try requireLab()
        let dir = try scratch()
        let relay = try TamperRelay(upstream: signed) { i, m in if i == 5 && m.count > 64 && m[0] == 0xFE { m[m.count - 1] ^= 0x01 } }
        defer { relay.stop() }
        let folder = "\(Self.labRoot)/signed/share/Finance"
        try empty(folder)
        let r = try migrate(["sync", try plan(dir, [("host: 127.0.0.22", "host: \(relay.address)")]), "--share", "Finance"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let said = r.stdout + r.stderr
        XCTAssertTrue(said.contains("failed: Finance: list target : //\(relay.address)/Finance: list folder failed: the server's reply failed its integrity check"), said)
        XCTAssertTrue(said.contains("signature does not match"), said)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "nothing reached the target")
        XCTAssertGreaterThan(relay.altered, 0)
    }

    func testSyncToAShareThatRequiresEncryption() throws {
        let dir = try scratch()
        try syncAndCheck(dir, try plan(dir, [("target: '\\\\modern\\Finance'", "target: '\\\\modern\\Sealed'")]), target: (modern, "Sealed"),
                         folder: "\(Self.labRoot)/modern/share/Sealed", transports: ["target //\(modern)/Sealed: direct SMB 3.1.1, encrypted AES-128-GCM"])
    }

    /// From LEGACY's Finance as a 2003 domain controller serves it (SMB1 signing required).
    func testSyncFromAnSMB1ServerThatRequiresSigning() throws {
        let dir = try scratch()
        try syncAndCheck(dir, try plan(dir, [("host: 127.0.0.21", "host: 127.0.0.24")]), target: (modern, "Finance"),
                         folder: "\(Self.labRoot)/modern/share/Finance", transports: ["source //127.0.0.24/Finance: direct SMB1 (NT LM 0.12), signed MD5"])
    }

    /// `signing: required` in the plan, on both servers (the legacy entry has no signing line of
    /// its own): the target signs although the server would not ask, and so does the SMB1 source.
    func testAPlanThatRequiresSigningSignsBothSides() throws {
        let dir = try scratch()
        let p = try plan(dir, [("signing: auto", "signing: required"), ("    host: 127.0.0.21\n", "    host: 127.0.0.21\n    signing: required\n")])
        try syncAndCheck(dir, p, target: (modern, "Finance"), folder: "\(Self.labRoot)/modern/share/Finance",
                         transports: ["target //127.0.0.22/Finance: direct SMB 3.1.1, signed AES-128-GMAC",
                                      "source //127.0.0.21/Finance: direct SMB1 (NT LM 0.12), signed MD5"])
    }
}

/// An SMB3 server as the source (Windows Server 2008 R2 / 2012 are the other large class being
/// retired): LEGACY's Finance copied to MODERN's encrypted Sealed share, then from there to the
/// SIGNED server, both over the direct sessions; the result equals LEGACY's Finance.
final class SMB3SourceSyncLabTests: CLITestCase {
    func testSyncFromAnEncryptedSMB3ShareToASigningServer() throws {
        try requireLab()
        let dir = try scratch()
        let pw = "\(Self.labRoot)/secrets/migrator.pw"
        for folder in ["modern/share/Sealed", "signed/share/Finance"] {
            let path = "\(Self.labRoot)/\(folder)"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { try FileManager.default.removeItem(atPath: path + "/" + child) }
        }
        let text = """
        migration: smb3 source
        catalog: catalog.sqlite
        servers:
          legacy: {host: 127.0.0.21, user: migrator, password_file: \(pw)}
          modern: {host: 127.0.0.22, user: migrator, password_file: \(pw)}
          signed: {host: 127.0.0.23, user: migrator, password_file: \(pw)}
        shares:
          - {name: first, source: //legacy/Finance, target: //modern/Sealed, exclude: ['~$*', 'Thumbs.db', '*.tmp']}
          - {name: second, source: //modern/Sealed, target: //signed/Finance}
        """
        let plan = dir.appendingPathComponent("smb3.yaml")
        try text.write(to: plan, atomically: true, encoding: .utf8)
        var r = try migrate(["sync", plan.path, "--share", "first"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        r = try migrate(["sync", plan.path, "--share", "second"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("second (full): copied 53 files and 12 folders"), r.stdout)
        let log = try XCTUnwrap(try passLogs(dir, share: "second").last)
        XCTAssertTrue(log.contains("transport\tsource //127.0.0.22/Sealed: direct SMB 3.1.1, encrypted AES-128-GCM"), log.prefix(600).description)
        XCTAssertTrue(log.contains("transport\ttarget //127.0.0.23/Finance: direct SMB 3.1.1, signed AES-128-GMAC"), log.prefix(600).description)
        let source = try listing(legacy, "Finance").filter { !$0.key.hasSuffix("~$Forecast.doc") }
        assertSameListing(source, try listing("127.0.0.23", "Finance"), "two hops")
        let info = try smbclient("127.0.0.23", "Finance", "allinfo \"Budget 2011.xls\"")
        XCTAssertTrue(info.contains("create_time:    Wed Sep  1 09:00:00 2010 UTC"), info)
        let (sc, sd) = try acl(legacy, "Finance", "Payroll")
        let (tc, td) = try acl("127.0.0.23", "Finance", "Payroll")
        XCTAssertEqual(tc & 0x1000, sc & 0x1000, "protected flag")
        XCTAssertEqual(Set(td.dacl ?? []), Set(sd.dacl ?? []), "no map in this plan: the DACL as it was")
        r = try migrate(["sync", plan.path, "--share", "second"])
        XCTAssertTrue(r.stdout.contains("second (delta): copied 0 files and 0 folders, updated 0, metadata 0, deleted 0, unchanged 65, failed 0"), r.stdout)
    }
}
