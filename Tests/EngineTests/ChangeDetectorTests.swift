import Catalog
import Engine
import MigrateCore
import XCTest

final class ChangeDetectorTests: XCTestCase {
    let t0 = Timestamp(seconds: 1_101_823_200, nanoseconds: 123_456_700)

    func file(_ size: UInt64 = 10, m: Timestamp? = nil, c: Timestamp? = nil, a: DOSAttributes = [.archive]) -> Entry {
        Entry(path: "a.txt", kind: .file, size: size, times: FileTimes(modified: m ?? t0, changed: c ?? t0), attributes: a)
    }

    func synced(_ e: Entry) -> SyncedEntry {
        SyncedEntry(path: e.path, kind: e.kind, size: e.size, modified: e.times.modified, changed: e.times.changed, created: nil,
                    attributes: e.attributes, sdHash: nil)
    }

    func testDecisions() {
        let d = ChangeDetector()
        let src = file()
        XCTAssertEqual(d.decide(source: src, target: nil, synced: nil), .copy)
        XCTAssertEqual(d.decide(source: src, target: file(11), synced: synced(src)), .update)
        // Same size, other write time: the classic "edited in place" case.
        XCTAssertEqual(d.decide(source: src, target: file(m: Timestamp(seconds: 1)), synced: synced(src)), .update)
        // The target carries µs (utimes): 100 ns differences below that are equal.
        XCTAssertEqual(d.decide(source: src, target: file(m: Timestamp(ticks: t0.ticks - 3)), synced: synced(src)), nil)
        XCTAssertEqual(d.decide(source: src, target: file(), synced: synced(src)), nil)
        // ACL or attributes changed on the source: its change time moved.
        XCTAssertEqual(d.decide(source: file(c: Timestamp(seconds: 2_000_000_000)), target: file(), synced: synced(src)), .metadata)
        // Someone changed attributes on the target.
        XCTAssertEqual(d.decide(source: src, target: file(a: [.readOnly]), synced: synced(src)), .metadata)
        // Never synced by us (e.g. a robocopy seed): metadata once.
        XCTAssertEqual(d.decide(source: src, target: file(), synced: nil), .metadata)
        let dir = Entry(path: "a.txt", kind: .directory, times: FileTimes(modified: t0, changed: t0), attributes: [.directory])
        // A file that became a folder, or the reverse: the target entry is replaced.
        XCTAssertEqual(d.decide(source: dir, target: file(), synced: nil), .mkdir)
        XCTAssertEqual(d.decide(source: file(), target: dir, synced: nil), .update)
        XCTAssertEqual(d.decide(source: dir, target: nil, synced: nil), .mkdir)
    }

    func testFATTimesAllowTwoSeconds() {
        let d = ChangeDetector(fatTimes: true)
        let src = file()
        XCTAssertEqual(d.decide(source: src, target: file(m: Timestamp(ticks: t0.ticks + 19_000_000)), synced: synced(src)), nil)
        XCTAssertEqual(d.decide(source: src, target: file(m: Timestamp(ticks: t0.ticks + 21_000_000)), synced: synced(src)), .update)
    }
}
