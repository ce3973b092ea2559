import MigrateCore
import XCTest

final class SecurityDescriptorTests: XCTestCase {
    let old = "S-1-5-21-1004336348-1177238915-682003330"

    func testSIDParsesAndPrints() throws {
        let sid = try XCTUnwrap(SID("S-1-5-21-1004336348-1177238915-682003330-1105"))
        XCTAssertEqual(sid.description, "S-1-5-21-1004336348-1177238915-682003330-1105")
        XCTAssertEqual(sid.domain?.description, "S-1-5-21-1004336348-1177238915-682003330")
        XCTAssertFalse(sid.isWellKnown)
        XCTAssertTrue(SID("S-1-5-32-544")!.isWellKnown)
        XCTAssertTrue(SID("S-1-1-0")!.isWellKnown)
        XCTAssertNil(SID("S-1-5-21-x"))
        XCTAssertNil(SID("OLDCORP\\jsmith"))
        XCTAssertNil(SID("S-1-5-21-99999999999"))
    }

    func testLibsmbclientTextReadsHexMasks() throws {
        let text = "REVISION:1,OWNER:\(old)-1106,GROUP:\(old)-513,ACL:S-1-5-18:0/3/0x001f01ff,ACL:\(old)-1111:1/19/0x00040000"
        let sd = try SecurityDescriptor(libsmbclientText: text)
        XCTAssertEqual(sd.owner, SID("\(old)-1106"))
        XCTAssertEqual(sd.dacl?.count, 2)
        XCTAssertEqual(sd.dacl?[0].mask, 0x1f01ff)
        XCTAssertEqual(sd.dacl?[1].type, .accessDenied)
        XCTAssertEqual(sd.dacl?[1].flags, [.objectInherit, .containerInherit, .inherited])
        XCTAssertEqual(try SecurityDescriptor(libsmbclientText: "REVISION:1,ACL:S-1-5-18:0/3/2032127"), SecurityDescriptor(dacl: [sd.dacl![0]]))
    }

    func testLibsmbclientTextRejectsGarbage() {
        XCTAssertThrowsError(try SecurityDescriptor(libsmbclientText: "REVISION:1,ACL:S-1-5-18:0/3"))
        XCTAssertThrowsError(try SecurityDescriptor(libsmbclientText: "OWNER:nobody"))
        XCTAssertThrowsError(try SecurityDescriptor(libsmbclientText: "FOO:1"))
    }

    func testSDDLKeepsProtectedAndAutoInheritFlags() throws {
        let sddl = "O:\(old)-1106G:\(old)-513D:PAI(A;OICI;FA;;;SY)(A;OICI;0x1f01ff;;;BA)(D;CIID;WD;;;\(old)-1111)"
        let sd = try SecurityDescriptor(sddl: sddl)
        XCTAssertTrue(sd.isProtected)
        XCTAssertTrue(sd.control.contains(.daclAutoInherited))
        XCTAssertEqual(sd.dacl?.count, 3)
        XCTAssertEqual(sd.dacl?[0].sid, SID("S-1-5-18"))
        XCTAssertEqual(sd.dacl?[0].mask, 0x1f01ff)
        XCTAssertEqual(sd.dacl?[2].type, .accessDenied)
        XCTAssertEqual(sd.dacl?[2].mask, 0x40000)
        XCTAssertEqual(sd.dacl?[2].flags, [.containerInherit, .inherited])
        XCTAssertEqual(sd.explicitDACL.count, 2)
        XCTAssertEqual(sd.sddl, "O:\(old)-1106G:\(old)-513D:PAI(A;OICI;0x1f01ff;;;S-1-5-18)(A;OICI;0x1f01ff;;;S-1-5-32-544)(D;CIID;0x40000;;;\(old)-1111)")
        XCTAssertEqual(try SecurityDescriptor(sddl: sd.sddl), sd)
    }

    func testSDDLWithSACLAndDomainAliases() throws {
        let domain = SID(old)!
        let sd = try SecurityDescriptor(sddl: "O:DAG:DUD:AI(A;;FR;;;DU)S:(AU;SAFA;FA;;;WD)", domain: domain)
        XCTAssertEqual(sd.owner, SID("\(old)-512"))
        XCTAssertEqual(sd.sacl?.first?.type, .systemAudit)
        XCTAssertEqual(sd.sacl?.first?.flags, [.successfulAccess, .failedAccess])
        XCTAssertTrue(sd.control.contains(.saclPresent))
        XCTAssertEqual(try SecurityDescriptor(sddl: sd.sddl), sd)
        XCTAssertThrowsError(try SecurityDescriptor(sddl: "O:DA"))   // no domain to resolve DA
        XCTAssertThrowsError(try SecurityDescriptor(sddl: "D:(A;;QQ;;;SY)"))
    }

    func testMappingSIDsTranslatesOwnerAndEveryACE() throws {
        let sd = try SecurityDescriptor(sddl: "O:\(old)-1110G:\(old)-513D:(A;OICI;0x1f01ff;;;\(old)-1110)(A;;0x1200a9;;;\(old)-1199)(A;;0x1f01ff;;;SY)")
        let new = "S-1-5-21-2610735126-3353893720-2480147207"
        let mapped = sd.mappingSIDs { sid in
            if sid == SID("\(old)-1110") { return SID("\(new)-3110") }
            if sid == SID("\(old)-1199") { return nil }
            return sid
        }
        XCTAssertEqual(mapped.owner, SID("\(new)-3110"))
        XCTAssertEqual(mapped.dacl?.map(\.sid), [SID("\(new)-3110")!, SID("S-1-5-18")!])
        XCTAssertEqual(mapped.principals, [SID("\(new)-3110")!, SID("\(old)-513")!, SID("S-1-5-18")!])
    }
}

/// What a folder inherits from a new parent (MS-DTYP 2.5.3.4 for containers).
final class InheritedACLTests: XCTestCase {
    func testAFolderKeepsItsOwnACEsAndInheritsFromItsNewParent() throws {
        let parent = try SecurityDescriptor(sddl: "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OI;0x1200a9;;;BU)(A;CINP;0x1301bf;;;AU)(A;OICIIO;FA;;;CO)(A;;FA;;;BA)")
        let folder = try SecurityDescriptor(sddl: "O:S-1-5-21-1-2-3-1000G:SYD:AI(A;OICI;0x1200a9;;;S-1-5-21-1-2-3-1105)(A;OICIID;0x1301bf;;;WD)")
        let r = InheritedACL.rebased(folder, under: parent)
        let got = Set((r.dacl ?? []).map { "\($0.sid) \(String($0.flags.rawValue, radix: 16)) \(String($0.mask, radix: 16))" })
        XCTAssertEqual(got, [
            "S-1-5-21-1-2-3-1105 3 1200a9",        // its own ACE, as it was
            "S-1-5-18 13 1f01ff",                   // SYSTEM: OI|CI, inherited
            "S-1-5-32-545 19 1200a9",               // Users, files only: OI|IO, inherited
            "S-1-5-11 10 1301bf",                   // Authenticated Users, no propagation: inherited, no inherit flags
            "S-1-5-21-1-2-3-1000 10 1f01ff",        // CREATOR OWNER becomes the owner for the folder...
            "S-1-3-0 1b 1f01ff",                    // ...and passes on as itself, inherit-only
        ], "Everyone's ACE from the old parent is gone; BA's non-inheritable ACE is not passed on")
        XCTAssertTrue(r.control.contains(.daclAutoInherited))
        let protected = try SecurityDescriptor(sddl: "O:BAG:SYD:PAI(A;OICI;FA;;;BA)")
        XCTAssertEqual(InheritedACL.rebased(protected, under: parent).dacl, protected.dacl, "a protected folder inherits nothing")
    }
}
