import Engine
import Foundation
import LocalTree
import MigrateCore
import MigratePlan
import XCTest

/// The cutover's verify on two local folders: identical trees pass, and each kind of difference
/// (same size and time but other bytes, missing, extra, kind, attributes, time) is reported.
final class VerifierTests: XCTestCase {
    var root: URL!
    var src: URL { root.appendingPathComponent("src") }
    var dst: URL { root.appendingPathComponent("dst") }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString.prefix(8))")
        for base in [src, dst] {
            try FileManager.default.createDirectory(at: base.appendingPathComponent("Docs"), withIntermediateDirectories: true)
            for (p, text) in [("Docs/a.txt", "alpha"), ("top.txt", "top"), ("Docs/b.txt", "bravo")] {
                try Data(text.utf8).write(to: base.appendingPathComponent(p))
                try setTime(p, in: base)
            }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func setTime(_ p: String, in base: URL, _ seconds: Double = 1_101_823_200) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)], ofItemAtPath: base.appendingPathComponent(p).path)
    }

    func verify(mirror: Bool = true) throws -> Verifier.Result {
        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), targetFolder: dst.path, mirror: mirror)
        return try Verifier(source: try LocalFolderTree(root: src.path), target: try LocalFolderTree(root: dst.path),
                            mapping: mapping, policy: ACLPolicy()).run()
    }

    func testIdenticalTreesAreClean() throws {
        let r = try verify()
        XCTAssertTrue(r.isClean, "\(r.differences)")
        XCTAssertEqual(r.files, 3)
        XCTAssertEqual(r.folders, 1)
        XCTAssertEqual(r.bytes, 13)
    }

    func testEveryKindOfDifferenceIsReported() throws {
        // Same size and write time, other bytes: only the checksum can tell.
        try Data("alphA".utf8).write(to: dst.appendingPathComponent("Docs/a.txt"))
        try setTime("Docs/a.txt", in: dst)
        try FileManager.default.removeItem(at: dst.appendingPathComponent("Docs/b.txt"))
        try Data("x".utf8).write(to: dst.appendingPathComponent("extra.txt"))
        try setTime("top.txt", in: dst, 1_101_823_260)
        let r = try verify()
        let found = Set(r.differences.map { "\($0.path): \($0.what)" })
        XCTAssertEqual(found, ["Docs/a.txt: content", "Docs/b.txt: missing on the target", "extra.txt: extra on the target",
                               "top.txt: write time"])
        XCTAssertEqual(r.differenceCount, 4)
        XCTAssertFalse(r.isClean)
    }

    func testExtrasOnTheTargetAreExpectedWithoutMirroring() throws {
        try Data("x".utf8).write(to: dst.appendingPathComponent("kept-by-the-new-team.txt"))
        XCTAssertFalse(try verify().isClean)
        XCTAssertTrue(try verify(mirror: false).isClean)
    }
}
