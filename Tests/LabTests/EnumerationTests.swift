import Foundation
import MigrateCore
import SMBKit
import XCTest

/// Enumerating LEGACY over SMB1 returns exactly what the seed made.
final class EnumerationTests: XCTestCase {
    func testLegacyEnumerationMatchesSeed() throws {
        let manifest = try Lab.manifest()
        for name in ["Finance", "Projects"] {
            let share = try Lab.share(Lab.legacy, name)
            var seen: [String: Entry] = [:]
            var errors: [TreeError] = []
            try share.walk(onError: { errors.append($0) }) { seen[$0.path] = $0; return true }
            XCTAssertEqual(errors, [], name)
            let expected = manifest.shares[name]!.entries
            XCTAssertEqual(Set(seen.keys), Set(expected.map { $0.path.replacingOccurrences(of: "\\", with: "/") }), name)
            for e in expected {
                let path = e.path.replacingOccurrences(of: "\\", with: "/")
                guard let got = seen[path] else { continue }
                XCTAssertEqual(got.kind.rawValue, e.kind, path)
                XCTAssertEqual(got.size, e.size, path)
                if let m = e.mtime { XCTAssertEqual(got.times.modified, Timestamp(seconds: m), path) }
                if e.kind == "file" {
                    XCTAssertEqual(got.attributes.intersection(.portable), DOSAttributes(letters: e.attributes.joined()), path)
                }
            }
        }
    }

    /// libsmbclient lists no create time over SMB1; the direct SMB1 listing and `details` must
    /// give the seeded one (and `details` through smbclient's allinfo too, without direct sessions).
    func testCreateTimesOverSMB1MatchTheSeed() throws {
        let manifest = try Lab.manifest()
        let share = try Lab.share(Lab.legacy, "Finance")
        var listed: [String: Timestamp] = [:]
        try share.walk(onError: { throw $0 }) { e in
            if let c = e.times.created { listed[e.path] = c }
            return true
        }
        var checked = 0
        for e in manifest.shares["Finance"]!.entries {
            guard let b = e.btime else { continue }
            let path = e.path.replacingOccurrences(of: "\\", with: "/")
            XCTAssertEqual(listed[path], Timestamp(seconds: b), "listing: \(path)")
            XCTAssertEqual(try share.details(path).created, Timestamp(seconds: b), path)
            checked += 1
        }
        setenv("MIGRATE_DIRECT_SMB", "0", 1)
        defer { unsetenv("MIGRATE_DIRECT_SMB") }
        let viaLibsmbclient = try Lab.share(Lab.legacy, "Finance")
        for e in manifest.shares["Finance"]!.entries.prefix(20) {
            guard let b = e.btime else { continue }
            let path = e.path.replacingOccurrences(of: "\\", with: "/")
            XCTAssertNil(try viaLibsmbclient.stat(path).times.created, "libsmbclient should not claim a create time over SMB1")
            XCTAssertEqual(try viaLibsmbclient.details(path).created, Timestamp(seconds: b), "allinfo: \(path)")
        }
        XCTAssertGreaterThan(checked, 50)
        XCTAssertThrowsError(try share.details("no such file.txt")) { XCTAssertEqual(($0 as? TreeError)?.kind, .notFound) }
    }

    func testProtectedFolderIsUnreadableAndReported() throws {
        let share = try Lab.share(Lab.legacy, "Users")
        var errors: [TreeError] = []
        var paths: [String] = []
        try share.walk(onError: { errors.append($0) }) { paths.append($0.path); return true }
        XCTAssertTrue(paths.contains("jsmith/notes-0.txt"))
        XCTAssertEqual(errors.map(\.path), ["kbrown"])
        XCTAssertEqual(errors.first?.kind, .accessDenied)
        XCTAssertTrue(errors.first!.description.contains("//127.0.0.21/Users/kbrown"))
    }

    func testDefaultModernClientIsRefusedButMigrateConnects() throws {
        let refused = try Lab.run("smbclient", ["//\(Lab.legacy)/Finance", "-U", "migrator%\(Lab.password())", "-c", "ls"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("NT_STATUS_CONNECTION_DISCONNECTED") || refused.output.contains("negotiat"), refused.output)
        let share = try Lab.share(Lab.legacy, "Finance")
        XCTAssertNoThrow(try share.connect())
        XCTAssertEqual(try share.stat("Budget 2011.xls").size, 123_456)
    }

    func testFileContentReadsBackOverSMB1() throws {
        let manifest = try Lab.manifest()
        let share = try Lab.share(Lab.legacy, "Finance")
        let e = manifest.shares["Finance"]!.entries.first { $0.path == "Budget 2011.xls" }!
        let file = try share.openForReading("Budget 2011.xls")
        var data = [UInt8]()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            data += buffer[..<n]
        }
        try file.close()
        XCTAssertEqual(UInt64(data.count), e.size)
        XCTAssertEqual(sha256Hex(data), e.sha256)
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: tmp.path, contents: Data(bytes))
    defer { try? FileManager.default.removeItem(at: tmp) }
    let out = (try? Lab.run("sha256sum", [tmp.path]).output) ?? ""
    return String(out.prefix(64))
}

/// The lab's DFS namespace: links on MODERN lead to the LEGACY shares until cutover.
final class NamespaceTests: XCTestCase {
    func testNamespaceLinksReachLegacyShares() throws {
        let ns = try Lab.share(Lab.modern, "files")
        try ns.connect()
        var links: [String] = []
        try ns.list("") { links.append(String($0.name)) }
        XCTAssertEqual(Set(links), ["finance", "projects", "users", "scratch"])
        // libsmbclient follows the referral from the SMB3 namespace to the SMB1 server.
        XCTAssertEqual(try ns.stat("finance/Budget 2011.xls").size, 123_456)
        let link = try Lab.run("readlink", ["\(Lab.root)/modern/share/files/finance"]).output
        XCTAssertEqual(link.trimmingCharacters(in: .whitespacesAndNewlines), "msdfs:\(Lab.legacy)\\Finance")
    }
}
