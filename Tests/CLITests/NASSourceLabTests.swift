import Foundation
import XCTest

/// A source that is not Samba and has neither security descriptors nor alternate data streams
/// (the lab's NASBOX: impacket's SMB1/SMB2 server on a plain folder, as a small NAS or a FAT
/// volume). Data, times and attributes are copied, the missing kinds said once, the target's
/// entries inherit their ACLs, verify agrees; `acl: unreadable: fail` fails the entries instead.
final class NASSourceLabTests: CLITestCase {
    let nas = "127.0.0.25"

    func plan(_ dir: URL, acl: String = "") throws -> String {
        let pw = "\(Self.labRoot)/secrets/migrator.pw"
        let text = """
        migration: nas
        catalog: catalog.sqlite
        servers:
          nas: {host: \(nas), user: migrator, password_file: \(pw)}
          modern: {host: \(modern), user: migrator, password_file: \(pw)}
        shares:
          - {source: //nas/NAS, target: //modern/Scratch}
        \(acl)
        """
        let path = dir.appendingPathComponent("nas.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    override func setUpWithError() throws {
        try requireLab()
        try resetScratch()
    }

    func testASourceWithoutDescriptorsOrStreamsIsCopiedAndSaysWhatItLacksOnce() throws {
        let dir = try scratch()
        let plan = try plan(dir)
        let inventory = try migrate(["plan", plan, "--no-probe", "--report", dir.appendingPathComponent("r").path])
        XCTAssertEqual(inventory.status, 0, inventory.stderr + inventory.stdout)
        let report = try String(contentsOfFile: dir.appendingPathComponent("r/plan-report.md").path, encoding: .utf8)
        XCTAssertTrue(report.contains("The source gives no security descriptors (not supported (NT status 0xC0000002))"), report)

        var r = try migrate(["sync", plan])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("NAS (full): copied 4 files and 3 folders,") && r.stdout.contains("failed 0"), r.stdout)
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: NAS: the source gives no security descriptors") }
        XCTAssertEqual(warnings.count, 1, "said once: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("the target's entries inherit from their parent (acl: unreadable: inherit)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: NAS: the source has no alternate data streams"), r.stderr)

        // Data and times, checked with smbclient on the target.
        let target = try listing(modern, "Scratch")
        let source = "\(Self.labRoot)/nas/share/NAS"
        for p in ["readme.txt", "Scans/2011/invoice-0042.pdf", "Manuals/printer.pdf", "Manuals/archive.zip"] {
            XCTAssertNotNil(target[p], "\(p) on the target: \(target.keys.sorted())")
            let want = try Data(contentsOf: URL(fileURLWithPath: "\(source)/\(p)"))
            let got = try run("smbclient", ["//\(modern)/Scratch", "-U", "labadmin%\(try password())", "-c", "get \"\(p.replacingOccurrences(of: "/", with: "\\"))\" \(dir.path)/got"]).0
            XCTAssertEqual(got, 0)
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("got")), want, p)
        }
        XCTAssertTrue(target["readme.txt"]?.hasSuffix("Mar 4 10:20:30 2011") == true, "the write time travels: \(target["readme.txt"] ?? "")")
        r = try migrate(["verify", plan, "--checksum"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertTrue(r.stdout.contains("NAS: identical; 4 files, 3 folders, 4 compared by content, 0 ACLs compared"), r.stdout)
        XCTAssertTrue(r.stderr.contains("warning: NAS: the source gives no security descriptors"), r.stderr)
        r = try migrate(["sync", plan])
        XCTAssertTrue(r.stdout.contains("NAS (delta): copied 0 files and 0 folders, updated 0, metadata 0, deleted 0, unchanged 7, failed 0"), r.stdout)
        // (Last: the control file moves the folder's times.) The target's own inheritance applies: the copy's DACL is the one the server gives any new file there.
        try "control\n".write(to: dir.appendingPathComponent("control.txt"), atomically: true, encoding: .utf8)
        _ = try run("smbclient", ["//\(modern)/Scratch", "-U", "labadmin%\(try password())", "-c", "put \(dir.path)/control.txt Scans\\2011\\control.txt"])
        let (_, copied) = try acl(modern, "Scratch", "Scans/2011/invoice-0042.pdf")
        let (_, control) = try acl(modern, "Scratch", "Scans/2011/control.txt")
        XCTAssertFalse((copied.dacl ?? []).isEmpty)
        XCTAssertEqual(Set(copied.dacl ?? []), Set(control.dacl ?? []), "\(copied.sddl) vs \(control.sddl)")
        _ = try run("smbclient", ["//\(modern)/Scratch", "-U", "labadmin%\(try password())", "-c", "del Scans\\2011\\control.txt"])

    }

    func testUnreadableFailFailsTheEntriesThatNeedADescriptor() throws {
        let dir = try scratch()
        let plan = try plan(dir, acl: "acl: {unreadable: fail}")
        let r = try migrate(["sync", plan])
        XCTAssertEqual(r.status, 1, r.stderr + r.stdout)
        XCTAssertTrue(r.stderr.contains("refused by the plan (the source gives no security descriptors (not supported (NT status 0xC0000002)) and the plan says acl: unreadable: fail)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("entries that needed one failed (acl: unreadable: fail)"), r.stderr)
        XCTAssertTrue(try migrate(["status", plan]).stdout.contains("failed entries by cause: "), "typed: refused by the plan")
    }
}
