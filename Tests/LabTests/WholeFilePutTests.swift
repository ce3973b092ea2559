import Foundation
import MigrateCore
import SMBKit
import TreeConformance
import XCTest

/// The one-compound write of a small file (direct SMB2 session) on the SMB3 target, read back
/// with smbclient and smbcacls; refused on the SMB1 server, where libsmbclient serves instead.
final class WholeFilePutTests: XCTestCase {
    let new = "S-1-5-21-2610735126-3353893720-2480147207"

    func allinfo(_ path: String) throws -> String {
        try Lab.smbclient(Lab.modern, "Projects", "allinfo \"\(path.replacingOccurrences(of: "/", with: "\\"))\"")
    }

    func testPutWritesDataDescriptorTimesAndAttributesThenRenames() throws {
        let share = try Lab.share(Lab.modern, "Projects")
        XCTAssertGreaterThanOrEqual(share.putLimit, 65536, "the SMB3 lab server allows a compound session")
        let dir = "put-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        // Spans several writes: 200 KiB of a pattern.
        let data = (0..<200 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let created = Timestamp(seconds: 1_073_901_600, nanoseconds: 250_000_000)
        let modified = Timestamp(seconds: 1_101_823_200, nanoseconds: 123_456_700)
        let accessed = Timestamp(seconds: 1_200_000_000)
        let sd = try SecurityDescriptor(sddl: "O:\(new)-3110G:\(new)-513D:PAI(A;;0x1f01ff;;;SY)(A;;0x1301bf;;;\(new)-2105)")
        let path = "\(dir)/Budget 2005.xls"
        try data.withUnsafeBytes {
            try share.put(path, through: "\(dir)/.migrate-1.partial", data: $0,
                          times: FileTimes(created: created, accessed: accessed, modified: modified),
                          attributes: [.readOnly, .hidden], securityDescriptor: sd)
        }
        let info = try allinfo(path)
        XCTAssertTrue(info.contains("create_time:    Mon Jan 12 10:00:00 2004 UTC"), info)
        XCTAssertTrue(info.contains("write_time:     Tue Nov 30 14:00:00 2004 UTC"), info)
        XCTAssertTrue(info.contains("access_time:    Thu Jan 10 21:20:00 2008 UTC"), info)
        XCTAssertTrue(info.contains("attributes: RH ("), "read-only and hidden, no archive from the rename: \(info)")
        let entry = try share.stat(path)
        XCTAssertEqual(entry.times.modified, Timestamp(seconds: 1_101_823_200, nanoseconds: 123_456_700), "100 ns kept")
        XCTAssertEqual(entry.size, UInt64(data.count))
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("put-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: local) }
        _ = try Lab.smbclient(Lab.modern, "Projects", "get \"\(path.replacingOccurrences(of: "/", with: "\\"))\" \(local)")
        XCTAssertEqual(FileManager.default.contents(atPath: local).map { [UInt8]($0) }, data)
        let cacls = try Lab.run("smbcacls", ["//\(Lab.modern)/Projects", path, "-U", "labadmin%\(Lab.password("labadmin"))",
                                             "--sddl", "--query-security-info=7"]).output
        XCTAssertTrue(cacls.contains("O:\(new)-3110G:\(new)-513D:PAI(A;;0x001f01ff;;;SY)(A;;0x001301bf;;;\(new)-2105)"), cacls)
        var names: [String] = []
        try share.list(dir) { names.append(($0.path as NSString).lastPathComponent) }
        XCTAssertEqual(names, ["Budget 2005.xls"], "the temporary name is gone")

        // Replacing an existing (writable) file keeps one entry with the new content.
        try share.setMetadata(path, times: FileTimes(), attributes: [.archive])
        try [UInt8]("v2".utf8).withUnsafeBytes {
            try share.put(path, through: "\(dir)/.migrate-2.partial", data: $0, times: FileTimes(modified: modified),
                          attributes: [.archive], securityDescriptor: nil)
        }
        XCTAssertEqual(try share.stat(path).size, 2)
        XCTAssertTrue(try allinfo(path).contains("attributes: A ("))
    }

    func testAFailedStepNamesThePathAndTheStep() throws {
        let share = try Lab.share(Lab.modern, "Projects")
        XCTAssertThrowsError(try [UInt8]("x".utf8).withUnsafeBytes {
            try share.put("no-such-folder/a.txt", through: "no-such-folder/.migrate-3.partial", data: $0, times: FileTimes(),
                          attributes: [], securityDescriptor: nil)
        }) { error in
            let e = error as? TreeError
            XCTAssertEqual(e?.kind, .notFound)
            XCTAssertEqual(e?.path, "no-such-folder/.migrate-3.partial")
            XCTAssertEqual(e?.operation, "create temporary file")
            XCTAssertTrue(e?.detail.contains("OBJECT_PATH_NOT_FOUND") == true, "\(String(describing: e))")
        }
        // The session survives a failed compound.
        XCTAssertGreaterThan(share.putLimit, 0)
    }

    /// SMB2 listings (one compound a folder; a folder too big for it listed the long way) give
    /// what libsmbclient lists, in any walk order.
    func testListingsMatchLibsmbclient() throws {
        let share = try Lab.share(Lab.modern, "Scratch")
        let dir = "listing-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        for sub in ["a", "b", "b/c", "d"] { try share.makeDirectory("\(dir)/\(sub)") }
        let long = String(repeating: "x", count: 40)
        for i in 0..<900 {
            try [UInt8]("\(i)".utf8).withUnsafeBytes {
                try share.put("\(dir)/b/\(long)-\(i).txt", through: "\(dir)/b/.migrate-\(i).partial", data: $0, times: FileTimes(),
                              attributes: [.archive], securityDescriptor: nil)
            }
        }
        for sub in ["a", "b/c", "d"] {
            try [UInt8]("x".utf8).withUnsafeBytes {
                try share.put("\(dir)/\(sub)/f.txt", through: "\(dir)/\(sub)/.migrate-f.partial", data: $0, times: FileTimes(),
                              attributes: [.hidden], securityDescriptor: nil)
            }
        }
        var big: [Entry] = []
        try share.list("\(dir)/b") { big.append($0) }
        XCTAssertEqual(big.count, 901, "more than two buffers: listed the long way")
        try assertDirectListingsMatchLibsmbclient(Lab.modern, "Scratch", atLeast: 900)
    }

    /// Times, attributes and the whole descriptor (protected flag, SACL) of an existing folder and
    /// file in one exchange, read back with smbclient and smbcacls; the folder made in one too.
    func testMetadataInOneExchangeOnAFolderAndAFile() throws {
        let share = try Lab.share(Lab.modern, "Projects")
        let dir = "meta-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        XCTAssertThrowsError(try share.makeDirectory(dir)) { XCTAssertEqual(($0 as? TreeError)?.kind, .alreadyExists) }
        try [UInt8]("x".utf8).withUnsafeBytes {
            try share.put("\(dir)/a.txt", through: "\(dir)/.migrate-a.partial", data: $0, times: FileTimes(),
                          attributes: [.archive], securityDescriptor: nil)
        }
        let created = Timestamp(seconds: 1_073_901_600), modified = Timestamp(seconds: 1_101_823_200, nanoseconds: 123_456_700)
        let folderSD = try SecurityDescriptor(sddl: "O:\(new)-3110G:\(new)-513D:PAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1301bf;;;\(new)-2105)S:AI(AU;SA;0x10000;;;WD)")
        XCTAssertTrue(try share.setMetadata(dir, kind: .directory, times: FileTimes(created: created, accessed: modified, modified: modified),
                                            attributes: [.hidden], securityDescriptor: folderSD))
        // A read-only file keeps no one from setting its metadata; no descriptor leaves it alone.
        XCTAssertTrue(try share.setMetadata("\(dir)/a.txt", kind: .file, times: FileTimes(modified: created),
                                            attributes: [.readOnly, .system], securityDescriptor: nil))
        let folder = try allinfo(dir)
        XCTAssertTrue(folder.contains("create_time:    Mon Jan 12 10:00:00 2004 UTC"), folder)
        XCTAssertTrue(folder.contains("write_time:     Tue Nov 30 14:00:00 2004 UTC"), folder)
        XCTAssertEqual(try share.stat(dir).attributes.intersection(.portable), [.hidden])
        XCTAssertEqual(try share.stat(dir).times.modified, modified, "100 ns kept")
        let cacls = try Lab.run("smbcacls", ["//\(Lab.modern)/Projects", dir, "-U", "labadmin%\(Lab.password("labadmin"))",
                                             "--sddl", "--query-security-info=15"]).output
        XCTAssertTrue(cacls.contains("O:\(new)-3110G:\(new)-513D:PAI(A;OICI;0x001f01ff;;;SY)(A;OICI;0x001301bf;;;\(new)-2105)"), cacls)
        XCTAssertTrue(cacls.contains("(AU;SA;SD;;;WD)"), "the SACL went with it: \(cacls)")
        let file = try allinfo("\(dir)/a.txt")
        XCTAssertTrue(file.contains("write_time:     Mon Jan 12 10:00:00 2004 UTC"), file)
        XCTAssertEqual(try share.stat("\(dir)/a.txt").attributes.intersection(.portable), [.readOnly, .system], file)

        XCTAssertThrowsError(try share.setMetadata("\(dir)/missing", kind: .file, times: FileTimes(modified: created),
                                                   attributes: [], securityDescriptor: nil)) { error in
            let e = error as? TreeError
            XCTAssertEqual(e?.kind, .notFound)
            XCTAssertEqual(e?.path, "\(dir)/missing")
            XCTAssertEqual(e?.operation, "open")
        }
        // Without a direct session the caller is told to go the usual way.
        XCTAssertFalse(try Lab.share(Lab.legacy, "Scratch").setMetadata("", kind: .directory, times: FileTimes(), attributes: [],
                                                                         securityDescriptor: nil))
    }

    func testTheSMB1ServerHasNoCompoundSession() throws {
        XCTAssertEqual(try Lab.share(Lab.legacy, "Finance").putLimit, 0)
    }
}
