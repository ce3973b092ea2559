import Foundation
import MigrateCore
import XCTest

/// `migrate sync` of the lab's Finance share to targets that require signing (the SIGNED server)
/// or encryption (MODERN's Sealed share), and with a plan that requires signing of a server
/// that does not: the direct sessions serve, protected as asked (the pass log says which), and
/// the result is the same as on the plain target (smbclient and smbcacls, which sign and
/// encrypt as those servers ask, check it).
final class ProtectedTargetSyncLabTests: CLITestCase {
    let signed = "127.0.0.23"

    /// Lab.yaml with the target server or share swapped; Finance only.
    func plan(_ dir: URL, targetHost: String = "127.0.0.22", targetShare: String = "Finance", signing: String = "auto") throws -> String {
        let plans = Self.repo.appendingPathComponent("Plans")
        for f in ["lab-principals.csv", "lab-sidmap.csv"] {
            try FileManager.default.copyItem(at: plans.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let text = try String(contentsOf: plans.appendingPathComponent("lab.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "catalog: ../.migrate/lab.sqlite", with: "catalog: catalog.sqlite")
            .replacingOccurrences(of: "host: 127.0.0.22", with: "host: \(targetHost)")
            .replacingOccurrences(of: "signing: auto", with: "signing: \(signing)")
            .replacingOccurrences(of: "target: '\\\\modern\\Finance'", with: "target: '\\\\modern\\\(targetShare)'")
        let path = dir.appendingPathComponent("protected.yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    func empty(_ folder: String) throws {
        for child in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            try FileManager.default.removeItem(atPath: folder + "/" + child)
        }
    }

    func check(targetHost: String, targetShare: String, folder: String, signing: String = "auto", transport: String) throws {
        try requireLab()
        let dir = try scratch()
        let p = try plan(dir, targetHost: targetHost, targetShare: targetShare, signing: signing)
        try empty(folder)
        var r = try migrate(["sync", p, "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (full): copied 65"), r.stdout)
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("logs").path)
        let log = try String(contentsOfFile: dir.appendingPathComponent("logs/\(logs.sorted().last!)").path, encoding: .utf8)
        XCTAssertTrue(log.contains("transport\ttarget //\(targetHost)/\(targetShare): \(transport)"), log.prefix(600).description)
        XCTAssertTrue(log.contains("transport\tsource //127.0.0.21/Finance: direct SMB1"), log.prefix(600).description)

        var source = try listing(legacy, "Finance")
        source = source.filter { !$0.key.hasSuffix("~$Forecast.doc") }
        let target = try listing(targetHost, targetShare)
        assertSameListing(source, target, "\(targetHost)/\(targetShare)")
        let (control, payroll) = try acl(targetHost, targetShare, "Payroll")
        XCTAssertEqual(control & 0x1400, 0x1400, "protected and auto-inherited")
        XCTAssertEqual(payroll.owner?.description, "S-1-5-21-2610735126-3353893720-2480147207-2106")
        let info = try smbclient(targetHost, targetShare, "allinfo \"Budget 2011.xls\"")
        XCTAssertTrue(info.contains("create_time:    Wed Sep  1 09:00:00 2010 UTC"), info)

        r = try migrate(["sync", p, "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (delta): copied 0, updated 0, metadata 0, deleted 0, unchanged 65, failed 0"), r.stdout)
    }

    /// From LEGACY's Finance as a 2003 domain controller serves it (SMB1 signing required).
    func testSyncFromAnSMB1ServerThatRequiresSigning() throws {
        try requireLab()
        let dir = try scratch()
        let p = try plan(dir)
        let text = try String(contentsOfFile: p, encoding: .utf8).replacingOccurrences(of: "host: 127.0.0.21", with: "host: 127.0.0.24")
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        try empty("\(Self.labRoot)/modern/share/Finance")
        var r = try migrate(["sync", p, "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (full): copied 65"), r.stdout)
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("logs").path)
        let log = try String(contentsOfFile: dir.appendingPathComponent("logs/\(logs.sorted().last!)").path, encoding: .utf8)
        XCTAssertTrue(log.contains("transport\tsource //127.0.0.24/Finance: direct SMB1 (NT LM 0.12), signed MD5"), log.prefix(600).description)
        let source = try listing(legacy, "Finance").filter { !$0.key.hasSuffix("~$Forecast.doc") }
        assertSameListing(source, try listing(modern, "Finance"), "from the signing SMB1 server")
        let (control, payroll) = try acl(modern, "Finance", "Payroll")
        XCTAssertEqual(control & 0x1400, 0x1400)
        XCTAssertEqual(payroll.owner?.description, "S-1-5-21-2610735126-3353893720-2480147207-2106")
        r = try migrate(["sync", p, "--share", "Finance"])
        XCTAssertTrue(r.stdout.contains("Finance (delta): copied 0, updated 0, metadata 0, deleted 0, unchanged 65, failed 0"), r.stdout)
    }

    func testSyncToAServerThatRequiresSigning() throws {
        try check(targetHost: signed, targetShare: "Finance", folder: "\(Self.labRoot)/signed/share/Finance",
                  transport: "direct SMB 3.1.1, signed AES-128-GMAC")
    }

    func testSyncToAShareThatRequiresEncryption() throws {
        try check(targetHost: modern, targetShare: "Sealed", folder: "\(Self.labRoot)/modern/share/Sealed",
                  transport: "direct SMB 3.1.1, encrypted AES-128-GCM")
    }

    /// `signing: required` in the plan: the target signs although the server would not ask, and
    /// the SMB1 source is read over a signed direct SMB1 session.
    func testAPlanThatRequiresSigningSignsBothSides() throws {
        try requireLab()
        let dir = try scratch()
        let p = try plan(dir)
        var text = try String(contentsOfFile: p, encoding: .utf8)
        // Both servers' entries say signing: required (the legacy one has no signing line of its own).
        text = text.replacingOccurrences(of: "signing: auto", with: "signing: required")
            .replacingOccurrences(of: "    host: 127.0.0.21\n", with: "    host: 127.0.0.21\n    signing: required\n")
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        try empty("\(Self.labRoot)/modern/share/Finance")
        let r = try migrate(["sync", p, "--share", "Finance"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (full): copied 65"), r.stdout)
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("logs").path)
        let log = try String(contentsOfFile: dir.appendingPathComponent("logs/\(logs.sorted().last!)").path, encoding: .utf8)
        XCTAssertTrue(log.contains("transport\ttarget //127.0.0.22/Finance: direct SMB 3.1.1, signed AES-128-GMAC"), log.prefix(600).description)
        XCTAssertTrue(log.contains("transport\tsource //127.0.0.21/Finance: direct SMB1 (NT LM 0.12), signed MD5"), log.prefix(600).description)
        let source = try listing(legacy, "Finance").filter { !$0.key.hasSuffix("~$Forecast.doc") }
        assertSameListing(source, try listing(modern, "Finance"), "signed plan")
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
        XCTAssertTrue(r.stdout.contains("second (full): copied 65"), r.stdout)
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("logs").path).filter { $0.hasPrefix("second") }
        let log = try String(contentsOfFile: dir.appendingPathComponent("logs/\(logs.sorted().last!)").path, encoding: .utf8)
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
        XCTAssertTrue(r.stdout.contains("second (delta): copied 0, updated 0, metadata 0, deleted 0, unchanged 65, failed 0"), r.stdout)
    }
}
