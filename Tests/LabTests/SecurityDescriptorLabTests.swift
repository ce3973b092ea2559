import Foundation
import MigrateCore
@testable import SMBKit
import XCTest

/// Every descriptor the lab produces reads back completely (control flags, SACL) and round-trips
/// byte for byte; smbcacls, an independent client, agrees with what SMBKit reads.
final class SecurityDescriptorLabTests: XCTestCase {
    /// smbcacls --numeric --query-security-info=15 parsed into (control, owner, group, DACL).
    func smbcacls(_ host: String, _ share: String, _ path: String) throws -> (UInt16, SecurityDescriptor) {
        let out = try Lab.run("smbcacls", ["//\(host)/\(share)", path.isEmpty ? "\\" : path, "-U", "labadmin%\(Lab.password("labadmin"))",
                                           "--option=client min protocol=NT1", "--numeric"]).output
        var control: UInt16 = 0
        var fields: [String] = []
        for line in out.split(separator: "\n") {
            if line.hasPrefix("CONTROL:0x") { control = UInt16(line.dropFirst(10), radix: 16) ?? 0 }
            else if line.hasPrefix("REVISION:") || line.hasPrefix("OWNER:") || line.hasPrefix("GROUP:") || line.hasPrefix("ACL:") {
                fields.append(String(line))
            }
        }
        return (control, try SecurityDescriptor(libsmbclientText: fields.joined(separator: ",")))
    }

    func testEveryLegacyDescriptorReadsCompletelyAndRoundTripsByteForByte() throws {
        let manifest = try Lab.manifest()
        for name in ["Finance", "Users", "Projects"] {
            let share = try Lab.share(Lab.legacy, name)
            var paths = [""]
            var errors: [TreeError] = []
            try share.walk(onError: { errors.append($0) }) { paths.append($0.path); return true }
            for (i, path) in paths.enumerated() {
                let sd: SecurityDescriptor
                do { sd = try share.securityDescriptor(path) } catch {
                    XCTAssertEqual(path, "kbrown", "\(error)")   // the one folder the account may not read
                    continue
                }
                let raw = try share.securityChannel.getRaw(path, 15)
                XCTAssertEqual(try SecurityDescriptor(selfRelative: raw), sd, path)
                XCTAssertEqual(sd.selfRelative, raw, "\(name)/\(path) does not round-trip")
                // An independent client agrees (a process per call: every 25th entry, and the special ones).
                if i % 25 == 0 || path == "Payroll" || path == "jsmith" {
                    let (control, other) = try smbcacls(Lab.legacy, name, path)
                    XCTAssertEqual(sd.control.rawValue & ~0x0010, control & ~0x0010, "\(name)/\(path) control")
                    XCTAssertEqual(sd.owner, other.owner, path)
                    XCTAssertEqual(sd.group, other.group, path)
                    XCTAssertEqual(sd.dacl, other.dacl, path)
                }
            }
            // What the seed set explicitly is there, with its protected flag.
            for acl in manifest.shares[name]!.acls {
                if acl.path == "kbrown" { continue }
                let expected = try SecurityDescriptor(sddl: acl.sddl, domain: SID("S-1-5-21-1004336348-1177238915-682003330"))
                let got = try share.securityDescriptor(acl.path.replacingOccurrences(of: "\\", with: "/"))
                XCTAssertEqual(Set(got.explicitDACL), Set(expected.dacl ?? []), "\(name)/\(acl.path)")
                XCTAssertEqual(got.isProtected, expected.isProtected, "\(name)/\(acl.path)")
                if let o = expected.owner { XCTAssertEqual(got.owner, o) }
            }
        }
    }

    func testSACLAndProtectedFlagAreRead() throws {
        let share = try Lab.share(Lab.legacy, "Finance")
        let payroll = try share.securityDescriptor("Payroll")
        XCTAssertTrue(payroll.isProtected)
        XCTAssertEqual(share.saclReadable, true)
        XCTAssertEqual(payroll.sacl, [ACE(type: .systemAudit, flags: [.objectInherit, .containerInherit, .failedAccess],
                                          mask: 0x1f01ff, sid: SID("S-1-1-0")!)])
        let child = try share.securityDescriptor("Payroll/Payroll 2011-01.xls")
        XCTAssertFalse(child.isProtected)
        XCTAssertTrue(child.sacl?.isEmpty ?? true, "Samba does not pass SACL entries on to new children")
        XCTAssertTrue(child.dacl!.allSatisfy { $0.flags.contains(.inherited) })
    }

    /// Without SeSecurityPrivilege the SACL is not readable: the DACL still comes, and the tree says so.
    func testAccountWithoutPrivilegeGetsDACLAndSaysSACLIsUnreadable() throws {
        let share = try Lab.share(Lab.modern, "files", user: "alice")
        XCTAssertNil(share.saclReadable)
        let sd = try share.securityDescriptor("")
        XCTAssertEqual(share.saclReadable, false)
        XCTAssertNil(sd.sacl)
        XCTAssertTrue(sd.isProtected)
        XCTAssertTrue(sd.dacl?.contains { $0.sid == SID("S-1-5-11") } ?? false)
    }
}
