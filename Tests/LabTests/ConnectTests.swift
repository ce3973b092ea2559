import Foundation
import Glibc
import MigrateCore
import SMBKit
import XCTest

/// What connecting a share costs: one direct session where the server allows one (libsmbclient
/// connects only when a call needs it), libsmbclient otherwise. Counted as this process's own TCP
/// connections to the server (/proc), so other tests' sessions do not matter.
final class ConnectTests: XCTestCase {
    /// Established connections from this process to host:445.
    func connections(to host: String) throws -> Int {
        var inodes = Set<String>()
        for fd in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            var buffer = [CChar](repeating: 0, count: 64)
            let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
            guard n > 0 else { continue }
            let link = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("socket:[") { inodes.insert(String(link.dropFirst(8).dropLast())) }
        }
        // /proc/net/tcp: remote address as little-endian hex, port in hex; state 01 is established.
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        let remote = octets.reversed().map { String(format: "%02X", $0) }.joined() + ":01BD"
        // Read to the end: the kernel makes the table a page at a time.
        guard let file = FileHandle(forReadingAtPath: "/proc/self/net/tcp") else { return 0 }
        let table = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        return table.split(separator: "\n").dropFirst().filter { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            return f.count > 9 && f[2] == remote && f[3] == "01" && inodes.contains(String(f[9]))
        }.count
    }

    func testConnectOpensOnlyTheDirectSessionWhereThereIsOne() throws {
        for (host, share) in [(Lab.modern, "Projects"), (Lab.legacy, "Finance")] {
            let before = try connections(to: host)
            let s = try Lab.share(host, share)
            try s.connect()
            XCTAssertEqual(try connections(to: host) - before, 1, "\(host): the direct session alone")
            // The root's metadata comes over it too, with what libsmbclient cannot give of a folder.
            let root = try s.stat("")
            XCTAssertEqual(root.kind, .directory)
            XCTAssertNotNil(root.times.created)
            XCTAssertEqual(try connections(to: host) - before, 1, "\(host): stat over the direct session")
            XCTAssertThrowsError(try s.removeFile("no-such-file-\(UUID().uuidString)")) { XCTAssertEqual(($0 as? TreeError)?.kind, .notFound) }
            XCTAssertEqual(try connections(to: host) - before, 2, "\(host): libsmbclient when a call needs it")
        }
    }

    func testWithoutDirectSessionsLibsmbclientConnects() throws {
        setenv("MIGRATE_DIRECT_SMB", "0", 1)
        defer { unsetenv("MIGRATE_DIRECT_SMB") }
        let before = try connections(to: Lab.modern)
        let s = try Lab.share(Lab.modern, "Projects")
        try s.connect()
        XCTAssertGreaterThanOrEqual(try connections(to: Lab.modern) - before, 1)
        XCTAssertEqual(try s.stat("").kind, .directory)
    }
}
