import MigrateCore
import XCTest

final class SHA256Tests: XCTestCase {
    func digest(_ s: String) -> String { var h = SHA256(); h.update(Array(s.utf8)); return Hex.encode(h.finish()) }

    func testKnownVectors() {
        XCTAssertEqual(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testStreamingInOddPiecesEqualsOneShot() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var one = SHA256(); one.update(data)
        var pieces = SHA256()
        var i = 0, step = 1
        while i < data.count { let j = min(data.count, i + step); pieces.update(Array(data[i..<j])); i = j; step = step * 3 % 997 + 1 }
        XCTAssertEqual(Hex.encode(one.finish()), Hex.encode(pieces.finish()))
        // A million 'a's: the FIPS long-message vector.
        var m = SHA256(); m.update([UInt8](repeating: 0x61, count: 1_000_000))
        XCTAssertEqual(Hex.encode(m.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
