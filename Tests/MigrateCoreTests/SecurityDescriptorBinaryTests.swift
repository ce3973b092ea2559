import MigrateCore
import XCTest

final class SecurityDescriptorBinaryTests: XCTestCase {
    /// O:BA G:SY D:P(A;OICI;FA;;;WD) as Windows encodes it (owner, group, DACL offsets).
    func testParsesAKnownDescriptor() throws {
        let hex = "0100049014000000240000000000000030000000" +
            "01020000000000052000000020020000" + "010100000000000512000000" +
            "02001c000100000000031400ff011f00010100000000000100000000"
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex { let j = hex.index(i, offsetBy: 2); bytes.append(UInt8(hex[i..<j], radix: 16)!); i = j }
        let sd = try SecurityDescriptor(selfRelative: bytes)
        XCTAssertEqual(sd.owner, SID("S-1-5-32-544"))
        XCTAssertEqual(sd.group, SID("S-1-5-18"))
        XCTAssertTrue(sd.isProtected)
        XCTAssertEqual(sd.dacl, [ACE(type: .accessAllowed, flags: [.objectInherit, .containerInherit], mask: 0x1f01ff, sid: SID("S-1-1-0")!)])
        XCTAssertEqual(sd.selfRelative, bytes)
    }

    func testRoundTripsWithSACLAndNullDACL() throws {
        var sd = try SecurityDescriptor(sddl: "O:S-1-5-21-1-2-3-500G:S-1-5-21-1-2-3-513D:PAI(D;OICIID;0x40000;;;S-1-5-21-1-2-3-1199)(A;;0x1200a9;;;S-1-5-11)S:AI(AU;SAFA;0x1f01ff;;;WD)")
        XCTAssertEqual(try SecurityDescriptor(selfRelative: sd.selfRelative), sd)
        sd.dacl = nil
        sd.control.remove(.daclPresent)
        let back = try SecurityDescriptor(selfRelative: sd.selfRelative)
        XCTAssertNil(back.dacl)
        XCTAssertEqual(back.sacl, sd.sacl)
    }

    func testRejectsTruncatedAndObjectACEs() {
        XCTAssertThrowsError(try SecurityDescriptor(selfRelative: [1, 0, 4, 0x80, 20, 0, 0]))
        var sd = SecurityDescriptor(owner: SID("S-1-5-18"), dacl: [ACE(type: .init(rawValue: 5), flags: [], mask: 1, sid: SID("S-1-1-0")!)]).selfRelative
        XCTAssertThrowsError(try SecurityDescriptor(selfRelative: sd)) { XCTAssertTrue("\($0)".contains("object")) }
        sd.removeLast(6)
        XCTAssertThrowsError(try SecurityDescriptor(selfRelative: sd))
    }
}
