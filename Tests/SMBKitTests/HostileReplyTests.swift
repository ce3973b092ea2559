import MigrateCore
import XCTest
@testable import SMBKit

/// Replies no real server sends, as a hostile or broken one might: each is refused with an error
/// that names what the server sent, never a trap (these trapped on integer conversions, or were
/// accepted as they came).
final class HostileReplyTests: XCTestCase {
    /// A FILE_BOTH_DIRECTORY_INFO record with this name and next-entry offset.
    func record(_ name: [UInt8], nameLength: Int? = nil, next: UInt32 = 0) -> [UInt8] {
        var w = WireWriter()
        w.u32(next); w.u32(0)
        for _ in 0..<4 { w.u64(130_000_000_000_000_000) }
        w.u64(5); w.u64(8); w.u32(0x20); w.u32(UInt32(nameLength ?? name.count)); w.u32(0)
        w.u8(0); w.u8(0); w.zeros(24)
        w.raw(name)
        return w.bytes
    }

    func listing(_ data: [UInt8]) throws -> [String] {
        var names: [String] = []
        try DirectoryRecords.entries(data, in: "Docs", tree: "//hostile/share") { e, _ in if let e { names.append(e.path) } }
        return names
    }

    func testListingRecordsThatCannotBeRightAreRefused() throws {
        XCTAssertEqual(try listing(record(WireWriter.utf16("ok.txt"))), ["Docs/ok.txt"])
        let cases: [([UInt8], String)] = [
            (record(WireWriter.utf16(String(repeating: "x", count: 40_000))), "whose name is 80000 bytes long"),
            (record(WireWriter.utf16("short"), nameLength: 400), "runs past the end of the reply"),
            (record(WireWriter.utf16("odd"), nameLength: 5), "whose name is 5 bytes long"),
            (record(WireWriter.utf16("loop"), next: 8) + record(WireWriter.utf16("b")), "points into itself"),
        ]
        for (data, expected) in cases {
            XCTAssertThrowsError(try listing(data)) { error in
                let e = error as? TreeError
                XCTAssertEqual(e?.tree, "//hostile/share")
                XCTAssertTrue(e?.detail.contains(expected) ?? false, "\(expected): \(error)")
            }
        }
    }

    /// An NTLM challenge whose target information is 65,535 bytes (the response's 16-bit length
    /// fields trapped on it) is no challenge; SPNEGO wraps any length.
    func testAnOversizedNTLMChallengeIsRefusedWithoutATrap() {
        var w = WireWriter()
        w.raw(NTLMAuthenticator.signature); w.u32(2)
        w.u16(0); w.u16(0); w.u32(56)                 // target name
        w.u32(0x0008_8205)                            // flags
        w.raw([1, 2, 3, 4, 5, 6, 7, 8]); w.zeros(8)   // challenge, reserved
        w.u16(0xFFFF); w.u16(0xFFFF); w.u32(56)        // target info: 65,535 bytes
        w.zeros(8)
        w.zeros(0xFFFF)
        XCTAssertNil(NTLMAuthenticator.parseChallenge(w.bytes))
        XCTAssertEqual(SPNEGO.tlv(0x04, [UInt8](repeating: 0, count: 70_000)).prefix(4), [0x04, 0x83, 0x01, 0x11])
    }
}
