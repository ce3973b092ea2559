import LocalTree
import MigrateCore
import XCTest

final class TimestampTests: XCTestCase {
    func testFiletimeAndCivilConversions() {
        let t = Timestamp(seconds: 1_101_823_200)       // 2004-11-30 14:00:00 UTC
        XCTAssertEqual(t.description, "2004-11-30T14:00:00Z")
        XCTAssertEqual(t.year, 2004)
        XCTAssertEqual(Timestamp(filetime: t.filetime), t)
        XCTAssertEqual(Timestamp(filetime: 116_444_736_000_000_000), Timestamp(seconds: 0))
        XCTAssertEqual(Timestamp(ticks: 12_345_678).description, "1970-01-01T00:00:01.2345678Z")
        XCTAssertEqual(Timestamp(seconds: -1).description, "1969-12-31T23:59:59Z")
    }

    func testTruncationForCoarseTimeComparison() {
        let t = Timestamp(seconds: 1000, nanoseconds: 999_999_900)
        XCTAssertEqual(t.truncated(toTicks: 10_000_000), Timestamp(seconds: 1000))
        XCTAssertEqual(t.truncated(toTicks: 20_000_000), Timestamp(seconds: 1000))
        XCTAssertEqual(Timestamp(seconds: 1001).truncated(toTicks: 20_000_000), Timestamp(seconds: 1000))
    }

    func testAttributeLetters() {
        XCTAssertEqual(DOSAttributes(letters: "RA"), [.readOnly, .archive])
        XCTAssertEqual(DOSAttributes([.hidden, .system]).description, "HS")
        XCTAssertEqual(DOSAttributes(rawValue: 0x21).description, "RA")
    }

    /// What a hostile server may send as a time: anything, and nothing traps on the way back.
    func testAnyFiletimeIsATimeAndConvertsBack() {
        for raw: UInt64 in [0, 1, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0x8000_0000_0000_0001, .max] {
            let t = Timestamp(filetime: raw)
            XCTAssertEqual(t.filetime, min(raw, UInt64(Int64.max)))
            _ = t.description
            _ = t.truncated(toTicks: 20_000_000)
        }
    }
}
