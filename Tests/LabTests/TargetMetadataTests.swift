import Foundation
import MigrateCore
import SMBKit
import TreeConformance
import XCTest

/// A file and a folder written to the SMB3 target with every piece of metadata set read back
/// identical through independent tools (smbclient allinfo, smbcacls).
final class TargetMetadataTests: XCTestCase {
    let old = "S-1-5-21-1004336348-1177238915-682003330"
    let new = "S-1-5-21-2610735126-3353893720-2480147207"

    func allinfo(_ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try Lab.smbclient(Lab.modern, "Projects", "allinfo \"\(path.replacingOccurrences(of: "/", with: "\\"))\"").split(separator: "\n") {
            if let c = line.firstIndex(of: ":") {
                out[String(line[..<c])] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return out
    }

    func testFileWithAllMetadataReadsBackIdentical() throws {
        let share = try Lab.share(Lab.modern, "Projects")
        let dir = "metadata-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        let path = "\(dir)/Prévisions 2004.xls"
        let f = try share.openForWriting(path)
        try Array("quarterly numbers".utf8).withUnsafeBytes { try f.write($0) }
        try f.close()

        let created = Timestamp(seconds: 1_073_901_600)                   // 2004-01-12 10:00:00
        let modified = Timestamp(seconds: 1_101_823_200, nanoseconds: 123_456_700)
        let accessed = Timestamp(seconds: 1_200_000_000, nanoseconds: 500_000_000)
        try share.setMetadata(path, times: FileTimes(created: created, accessed: accessed, modified: modified),
                              attributes: [.readOnly, .hidden, .archive])
        let sd = try SecurityDescriptor(sddl: "O:\(new)-3110G:\(new)-513D:PAI(A;;0x1f01ff;;;SY)(A;;0x1301bf;;;\(new)-2105)(D;;0x40000;;;\(old)-1199)S:(AU;FA;0x1f01ff;;;WD)")
        try share.setSecurityDescriptor(path, sd)

        let info = try allinfo(path)
        XCTAssertEqual(info["create_time"], "Mon Jan 12 10:00:00 2004 UTC")
        XCTAssertEqual(info["write_time"], "Tue Nov 30 14:00:00 2004 UTC")
        XCTAssertEqual(info["access_time"], "Thu Jan 10 21:20:00 2008 UTC")
        XCTAssertEqual(info["attributes"]?.prefix(3), "RHA")
        let entry = try share.stat(path)
        XCTAssertEqual(entry.times.modified, Timestamp(seconds: 1_101_823_200, nanoseconds: 123_456_000), "µs precision through utimes")
        XCTAssertEqual(try share.details(path).created, created)
        XCTAssertEqual(entry.attributes.intersection(.portable), [.readOnly, .hidden, .archive])

        let cacls = try Lab.run("smbcacls", ["//\(Lab.modern)/Projects", path, "-U", "labadmin%\(Lab.password("labadmin"))",
                                             "--sddl", "--query-security-info=15"]).output
        XCTAssertTrue(cacls.contains("D:PAI") || cacls.contains("D:P("), cacls)
        XCTAssertTrue(cacls.contains("O:\(new)-3110"), cacls)
        XCTAssertTrue(cacls.contains("(D;;0x00040000;;;\(old)-1199)") || cacls.contains("(D;;WD;;;\(old)-1199)"), cacls)
        XCTAssertTrue(cacls.contains("S:(AU;FA;0x001f01ff;;;WD)"), cacls)
        let back = try share.securityDescriptor(path)
        XCTAssertTrue(back.isProtected)
        XCTAssertEqual(Set(back.dacl ?? []), Set(sd.dacl ?? []))
        XCTAssertEqual(back.sacl, sd.sacl)
        XCTAssertEqual(back.owner, sd.owner)
    }

    func testFolderTimesAndClearingAttributes() throws {
        let share = try Lab.share(Lab.modern, "Projects")
        let dir = "metadata-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(dir)
        defer { removeTree(share, dir) }
        let t = Timestamp(seconds: 1_136_073_600)   // 2006-01-01
        try share.setMetadata(dir, times: FileTimes(created: t, accessed: t, modified: t), attributes: [.directory, .hidden])
        var info = try allinfo(dir)
        XCTAssertEqual(info["create_time"], "Sun Jan  1 00:00:00 2006 UTC")
        XCTAssertEqual(info["write_time"], "Sun Jan  1 00:00:00 2006 UTC")
        XCTAssertEqual(try share.stat(dir).attributes.intersection(.portable), [.hidden])
        try share.setMetadata(dir, times: FileTimes(), attributes: [.directory])
        info = try allinfo(dir)
        XCTAssertEqual(try share.stat(dir).attributes.intersection(.portable), [])
        XCTAssertEqual(info["write_time"], "Sun Jan  1 00:00:00 2006 UTC", "clearing attributes must not move times")
    }
}
