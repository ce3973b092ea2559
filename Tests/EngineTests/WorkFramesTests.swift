import Catalog
@testable import Engine
import Glibc
import MigrateCore
import XCTest

/// The coordinator-worker messages: every field comes back as it went, frames survive being
/// read in pieces, and a corrupt or cut stream is an error rather than a wrong job.
final class WorkFramesTests: XCTestCase {
    let entry = Entry(path: "Ä folder/file €.txt", kind: .file, size: 1 << 40,
                      times: FileTimes(created: Timestamp(ticks: -5), accessed: nil, modified: Timestamp(ticks: 17_000_000_123_456_7),
                                       changed: Timestamp(ticks: 1)),
                      attributes: [.readOnly, .hidden, .archive])

    func testJobsRoundTripWithAndWithoutTheExistingEntry() throws {
        let folder = Entry(path: "d", kind: .directory, size: 0, times: FileTimes(), attributes: .directory)
        for job in [WorkJob(id: 42, action: .update, entry: entry, existing: folder),
                    WorkJob(id: 7, action: .metadata, entry: folder, existing: nil),
                    WorkJob(id: Int(Int32.max) + 9, action: .copy, entry: entry, existing: nil)] {
            let back = try WorkJob(decoding: job.encoded())
            XCTAssertEqual(back.id, job.id)
            XCTAssertEqual(back.action, job.action)
            XCTAssertEqual(back.entry, job.entry)
            XCTAssertEqual(back.existing, job.existing)
        }
    }

    func testResultsRoundTripEveryField() throws {
        var acl = SecurityTranslator.Counts()
        acl.mapped = 1; acl.unchanged = 2; acl.unmappedKept = 3; acl.unmappedDropped = 4; acl.unmappedFallback = 5; acl.saclsNotCopied = 6
        let synced = SyncedEntry(path: entry.path, kind: .file, size: 99, modified: Timestamp(ticks: 3), changed: nil,
                                 created: Timestamp(ticks: -2), attributes: [.system], sdHash: "ab12")
        var gaps = SourceGaps()
        gaps.descriptors = true; gaps.descriptorError = "not supported (NT status 0xC0000002)"; gaps.streams = true
        let results = [WorkResult(id: 1, synced: synced, acl: acl, attempts: 2, error: nil, bytes: 99, resumed: 1 << 33, missing: gaps),
                       WorkResult(id: 2, synced: nil, acl: .init(), attempts: 3, error: TreeError(.accessDenied, tree: "//srv/share", path: "x", operation: "read",
                                                                                   detail: "NT status ACCESS_DENIED\nsecond line"), bytes: 0)]
        for r in results {
            let back = try WorkResult(decoding: r.encoded())
            XCTAssertEqual(back.id, r.id)
            XCTAssertEqual(back.synced, r.synced)
            XCTAssertEqual(back.acl, r.acl)
            XCTAssertEqual(back.attempts, r.attempts)
            XCTAssertEqual(back.error, r.error)
            XCTAssertEqual(back.bytes, r.bytes)
            XCTAssertEqual(back.resumed, r.resumed)
            XCTAssertEqual(back.missing, r.missing)
        }
    }

    /// The error crosses the worker boundary typed: a kind this build does not know is refused,
    /// never read as some other kind.
    func testAResultWithAnUnknownErrorKindIsCorrupt() throws {
        let r = WorkResult(id: 2, synced: nil, acl: .init(), attempts: 1,
                           error: TreeError(.busy, tree: "t", path: "p", operation: "copy", detail: "d"), bytes: 0)
        var bytes = r.encoded()
        let busy = Array("busy".utf8)
        let at = try XCTUnwrap((0...(bytes.count - busy.count)).first { Array(bytes[$0..<$0 + busy.count]) == busy })
        bytes.replaceSubrange(at..<at + busy.count, with: Array("bust".utf8))
        XCTAssertThrowsError(try WorkResult(decoding: bytes)) { XCTAssertTrue("\($0)".contains("unknown error kind 'bust'"), "\($0)") }
    }

    func testFramesArrivingInPiecesThroughAPipeComeOutWhole() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        let jobs = (1...300).map { WorkJob(id: $0, action: .copy, entry: entry, existing: $0 % 2 == 0 ? entry : nil) }
        let stream = jobs.flatMap { WorkFrames.frame($0.encoded()) }
        let writeEnd = fds[1]
        // Written a few bytes at a time from another thread, so frames straddle reads.
        let writer = Thread {
            var at = 0
            while at < stream.count {
                let n = min(37, stream.count - at)
                _ = stream.withUnsafeBytes { write(writeEnd, $0.baseAddress! + at, n) }
                at += n
            }
            close(writeEnd)
        }
        writer.start()
        let reader = WorkFrames.Reader(fd: fds[0])
        var got: [Int] = []
        while let payload = try reader.nextBlocking() { got.append(try WorkJob(decoding: payload).id) }
        XCTAssertEqual(got, Array(1...300))
    }

    func testACorruptStreamOrACutPayloadIsAnError() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        let garbage: [UInt8] = Array("not a frame at all\n".utf8)
        _ = garbage.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
        close(fds[1])
        XCTAssertThrowsError(try WorkFrames.Reader(fd: fds[0]).nextBlocking())

        let payload = WorkJob(id: 1, action: .copy, entry: entry, existing: nil).encoded()
        XCTAssertThrowsError(try WorkJob(decoding: Array(payload.dropLast(3))))
        XCTAssertThrowsError(try WorkResult(decoding: []))
    }
}
