import MigrateCore
import XCTest
@testable import SMBKit

/// The SMB2 request bodies the direct session builds, field by field against MS-SMB2's layouts
/// (2.2.13 CREATE, 2.2.13.2 create contexts, 2.2.15 CLOSE, 2.2.39 SET_INFO, 2.4.7
/// FileBasicInformation). Offsets in a body count from the 64-byte header, as on the wire.
final class SMB2RequestBuilderTests: XCTestCase {
    func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    func u32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) } }
    func u64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) } }

    func testCreateCarriesTheNameWithBackslashesAfterTheFixedPart() {
        let r = SMB2Session.create("Finance/Q1 report.xlsx", access: 0x0012_0089, attributes: 0x20, sharing: 7, disposition: 1, options: 0x40)
        let b = r.body
        XCTAssertEqual(r.command, .create)
        XCTAssertEqual(u16(b, 0), 57, "StructureSize")
        XCTAssertEqual(u32(b, 4), 2, "impersonation level: impersonation")
        XCTAssertEqual(u32(b, 24), 0x0012_0089, "DesiredAccess")
        XCTAssertEqual(u32(b, 28), 0x20, "FileAttributes")
        XCTAssertEqual(u32(b, 32), 7, "ShareAccess")
        XCTAssertEqual(u32(b, 36), 1, "CreateDisposition")
        XCTAssertEqual(u32(b, 40), 0x40, "CreateOptions")
        let name = Array("Finance\\Q1 report.xlsx".utf16).flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }
        XCTAssertEqual(u16(b, 44), 64 + 56, "NameOffset counts from the header")
        XCTAssertEqual(u16(b, 46), name.count, "NameLength in bytes")
        XCTAssertEqual(Array(b[56..<56 + name.count]), name)
        XCTAssertEqual(u32(b, 48), 0, "no create contexts")
        XCTAssertEqual(u32(b, 52), 0)
    }

    /// The share root is the empty name; the buffer still has one byte (a body of 57 bytes).
    func testTheShareRootIsAnEmptyName() {
        let b = SMB2Session.create("", access: 1, sharing: 7, disposition: 1, options: 1).body
        XCTAssertEqual(u16(b, 46), 0)
        XCTAssertEqual(b.count, 57)
        XCTAssertEqual(SMB2Session.wireName("//a///b/"), SMB2Session.wireName("a/b"), "empty path parts are dropped")
    }

    func testASecurityDescriptorTravelsAsASecDCreateContextOnAnEightByteBoundary() {
        let sd: [UInt8] = [1, 0, 4, 0x80] + [UInt8](repeating: 0xAB, count: 16)
        let b = SMB2Session.create("a.txt", access: 0x0002_0000, sharing: 7, disposition: 2, options: 0x40, securityDescriptor: sd).body
        let offset = Int(u32(b, 48)), length = Int(u32(b, 52))
        XCTAssertEqual(offset % 8, 0, "CreateContextsOffset is 8-aligned")
        let c = offset - 64
        XCTAssertEqual(length, b.count - c, "CreateContextsLength covers the context to the end")
        XCTAssertEqual(u32(b, c), 0, "Next: the only context")
        XCTAssertEqual(u16(b, c + 4), 16, "NameOffset")
        XCTAssertEqual(u16(b, c + 6), 4, "NameLength")
        XCTAssertEqual(u16(b, c + 10), 24, "DataOffset")
        XCTAssertEqual(Int(u32(b, c + 12)), sd.count, "DataLength")
        XCTAssertEqual(Array(b[c + 16..<c + 20]), Array("SecD".utf8))
        XCTAssertEqual(Array(b[c + 24..<c + 24 + sd.count]), sd)
    }

    func testSetInfoAndCloseWorkOnTheRelatedHandle() {
        let buffer: [UInt8] = Array(repeating: 9, count: 40)
        let s = SMB2Session.setInfo(type: 3, fileClass: 0, additional: 0x7, buffer).body
        XCTAssertEqual(u16(s, 0), 33)
        XCTAssertEqual(s[2], 3, "InfoType: security")
        XCTAssertEqual(Int(u32(s, 4)), buffer.count, "BufferLength")
        XCTAssertEqual(u16(s, 8), 64 + 32, "BufferOffset")
        XCTAssertEqual(u32(s, 12), 0x7, "AdditionalInformation: owner, group, DACL")
        XCTAssertEqual(Array(s[16..<32]), [UInt8](repeating: 0xff, count: 16), "FileId: the compound's related handle")
        XCTAssertEqual(Array(s[32...]), buffer)
        let c = SMB2Session.close().body
        XCTAssertEqual(c.count, 24)
        XCTAssertEqual(u16(c, 0), 24)
        XCTAssertEqual(Array(c[8..<24]), [UInt8](repeating: 0xff, count: 16))
    }

    /// Zero leaves a time as it is, and attributes 0 would too: "none" goes as NORMAL.
    func testBasicInformationLeavesMissingTimesAloneAndNeverSendsZeroAttributes() {
        let m = Timestamp(seconds: 1_100_000_000)
        let b = SMB2Session.basicInformation(FileTimes(modified: m), [])
        XCTAssertEqual(b.count, 40)
        XCTAssertEqual(u64(b, 0), 0, "create time untouched")
        XCTAssertEqual(u64(b, 8), 0, "access time untouched")
        XCTAssertEqual(u64(b, 16), m.filetime, "write time")
        XCTAssertEqual(u64(b, 24), 0, "change time untouched")
        XCTAssertEqual(u32(b, 32), DOSAttributes.normal.rawValue)
        XCTAssertEqual(u32(SMB2Session.basicInformation(FileTimes(), [.hidden, .readOnly]), 32), DOSAttributes([.hidden, .readOnly]).rawValue)
    }

    func testTheAccessASecuritySetNeedsFollowsItsParts() {
        let readControlWriteDAC: UInt32 = 0x0006_0000
        XCTAssertEqual(SMB2Session.access(setting: 0x4), readControlWriteDAC, "DACL")
        XCTAssertEqual(SMB2Session.access(setting: 0x1), readControlWriteDAC | 0x0008_0000, "owner: WRITE_OWNER")
        XCTAssertEqual(SMB2Session.access(setting: 0x8), readControlWriteDAC | 0x0100_0000, "SACL: ACCESS_SYSTEM_SECURITY")
    }
}
