import Foundation
import MigrateCore
import SMBKit
import TreeConformance
import XCTest

/// Reading a whole small file from the SMB1 server over the direct session gives what
/// libsmbclient, smbclient's allinfo and the Samba helper give separately.
final class WholeFileReadTests: XCTestCase {
    func testReadWholeMatchesTheSeparateCalls() throws {
        let share = try Lab.share(Lab.legacy, "Projects")
        XCTAssertGreaterThanOrEqual(share.readLimit, 65536, "the SMB1 lab server allows a direct session")
        let dir = "read-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        let path = "\(dir)/Ledger 1999.dat"
        let data = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        try writeWithStream(share, path, data)

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { buffer.deallocate() }
        let whole = try share.readWhole(path, size: UInt64(data.count), into: buffer, withSecurity: true)
        XCTAssertEqual(whole.count, data.count)
        XCTAssertEqual(Array(buffer[..<whole.count]), data)
        let details = try share.details(path)
        XCTAssertEqual(whole.created?.seconds, details.created?.seconds, "the create time smbclient's allinfo shows")
        XCTAssertNotNil(whole.created)
        XCTAssertEqual(whole.streams, details.streams)
        XCTAssertEqual(whole.streams.map(\.name), ["Zone.Identifier"])
        XCTAssertEqual(whole.securityDescriptor, try share.securityDescriptor(path), "the descriptor the Samba helper reads")

        XCTAssertThrowsError(try share.readWhole("\(dir)/missing.txt", size: 0, into: buffer, withSecurity: false)) { error in
            XCTAssertEqual((error as? TreeError)?.kind, .notFound)
            XCTAssertEqual((error as? TreeError)?.path, "\(dir)/missing.txt")
        }
        XCTAssertGreaterThan(share.readLimit, 0, "the session survives a failed open")
    }

    /// A file read whole is closed with the next file's requests, not in an exchange of its own;
    /// `settle` closes the last one (smbstatus, the server's own list of open files, shows it).
    func testTheCloseGoesWithTheNextFileAndSettleClosesTheLast() throws {
        let share = try Lab.share(Lab.legacy, "Projects")
        let dir = "close-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        for name in ["first.txt", "second.txt"] {
            let f = try share.openForWriting("\(dir)/\(name)")
            try Array(name.utf8).withUnsafeBytes { try f.write($0) }
            try f.close()
        }
        let openFiles = { () throws -> String in
            try runTool("smbstatus", ["-s", "\(Lab.root)/legacy/smb.conf", "-L"]).output
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        _ = try share.readWhole("\(dir)/first.txt", size: 9, into: buffer, withSecurity: false)
        var status = try openFiles()
        XCTAssertTrue(status.contains("\(dir)/first.txt"), status)
        let second = try share.readWhole("\(dir)/second.txt", size: 10, into: buffer, withSecurity: false)
        XCTAssertEqual(String(decoding: buffer[..<second.count], as: UTF8.self), "second.txt")
        status = try openFiles()
        XCTAssertFalse(status.contains("\(dir)/first.txt"), status)
        XCTAssertTrue(status.contains("\(dir)/second.txt"), status)
        share.settle()
        status = try openFiles()
        XCTAssertFalse(status.contains(dir), status)
    }

    /// Descriptors read in batches (opens, queries, closes in flight together) equal those read one
    /// by one; a path that cannot be read is left out.
    func testBatchedDescriptorsEqualSingleReads() throws {
        let share = try Lab.share(Lab.legacy, "Finance")
        var paths: [String] = []
        try share.walk(onError: { throw $0 }) { e in paths.append(e.path); return true }
        XCTAssertGreaterThan(paths.count, 60, "more than one batch")
        _ = try share.securityDescriptor(paths[0])   // learns whether the SACL is readable
        let batch = share.securityDescriptors(paths + ["no such folder"])
        XCTAssertEqual(batch.count, paths.count)
        XCTAssertNil(batch["no such folder"])
        for p in paths { XCTAssertEqual(batch[p], try share.securityDescriptor(p), p) }
    }

    /// Listings started ahead (in the marcher's order) give what libsmbclient lists, whether the
    /// walk follows that order or another (then started listings are dropped and done again).
    func testListingsAheadMatchLibsmbclientInAnyWalkOrder() throws {
        try assertDirectListingsMatchLibsmbclient(Lab.legacy, "Projects", atLeast: 100)
    }

    /// The SMB3 server has no SMB1 session: whole files come over the SMB2 one (below).
    func testTheSMB3ServerHasNoSMB1Session() throws {
        let share = try Lab.share(Lab.modern, "Projects")
        XCTAssertGreaterThan(share.readLimit, 0)
        XCTAssertEqual(share.transportSummary, "direct SMB 3.1.1, not signed")
    }
}

/// The same whole-file read from SMB2/3 servers (a 2008 R2 or 2012 source): one compound over
/// the direct SMB2 session, plain, signed and encrypted, against libsmbclient and the helpers.
final class SMB2WholeFileReadTests: XCTestCase {
    func check(_ host: String, _ shareName: String, summary: String) throws {
        let share = try Lab.share(host, shareName)
        let dir = "read2-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        XCTAssertEqual(share.directSessionSummary, summary)
        XCTAssertGreaterThanOrEqual(share.readLimit, 65536, "the SMB2 server allows whole-file reads")
        let path = "\(dir)/Ledger 2009.dat"
        let data = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 10) }
        try writeWithStream(share, path, data)
        let empty = try share.openForWriting("\(dir)/empty.txt")
        try empty.close()

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { buffer.deallocate() }
        let whole = try share.readWhole(path, size: UInt64(data.count), into: buffer, withSecurity: true)
        XCTAssertEqual(whole.count, data.count)
        XCTAssertEqual(Array(buffer[..<whole.count]), data)
        let details = try share.details(path)
        XCTAssertEqual(Double(whole.created?.seconds ?? 0), Double(details.created?.seconds ?? 0), accuracy: 1, "the create time smbclient's allinfo shows (rounded)")
        XCTAssertEqual(whole.created, try share.stat(path).times.created, "100 ns, as the SMB2 open answers")
        XCTAssertNotNil(whole.created)
        XCTAssertEqual(whole.streams.map(\.name), ["Zone.Identifier"])
        XCTAssertEqual(whole.streams, details.streams)
        XCTAssertEqual(whole.securityDescriptor, try share.securityDescriptor(path))
        XCTAssertEqual(try share.readWhole("\(dir)/empty.txt", size: 0, into: buffer, withSecurity: false).count, 0)

        // A size that moved since the listing is a change, retried later, never a short copy.
        XCTAssertThrowsError(try share.readWhole(path, size: 100_000, into: buffer, withSecurity: false)) { error in
            XCTAssertEqual((error as? TreeError)?.kind, .busy, "\(error)")
        }
        XCTAssertThrowsError(try share.readWhole("\(dir)/missing.txt", size: 10, into: buffer, withSecurity: false)) { error in
            XCTAssertEqual((error as? TreeError)?.kind, .notFound, "\(error)")
            XCTAssertEqual((error as? TreeError)?.operation, "open for reading")
        }
        XCTAssertGreaterThan(share.readLimit, 0, "the session survives a failed open")
    }

    func testPlain() throws { try check(Lab.modern, "Scratch", summary: "direct SMB 3.1.1, not signed") }
    func testSigned() throws { try check(Lab.signed, "Scratch", summary: "direct SMB 3.1.1, signed AES-128-GMAC") }
    func testEncrypted() throws { try check(Lab.modern, "Sealed", summary: "direct SMB 3.1.1, encrypted AES-128-GCM") }
}

/// A file with `data` and a Zone.Identifier stream, written the usual way (libsmbclient).
func writeWithStream(_ share: SMBShare, _ path: String, _ data: [UInt8]) throws {
    let f = try share.openForWriting(path)
    try data.withUnsafeBytes { try f.write($0) }
    try f.close()
    let s = try share.openForWriting(share.streamPath(path, "Zone.Identifier"))
    try Array("[ZoneTransfer]\r\nZoneId=3\r\n".utf8).withUnsafeBytes { try s.write($0) }
    try s.close()
}
