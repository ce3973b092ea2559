import Catalog
import Engine
import Foundation
import Glibc
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
        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), target: .localFolder(dst.path), mirror: mirror)
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
    func mapping() -> ShareMapping {
        ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), target: .localFolder(dst.path))
    }

    /// While the source is frozen, what verify finds is repaired and checked again: a same-size
    /// edit that kept its write time, a missing folder with its file, an extra file, a file
    /// where the target has a folder, a temporary file left behind. The repair is a pass of its own.
    func testDifferencesAreRepairedAndCheckedAgain() throws {
        try FileManager.default.createDirectory(at: src.appendingPathComponent("New/Inner"), withIntermediateDirectories: true)
        try Data("inner".utf8).write(to: src.appendingPathComponent("New/Inner/i.txt"))
        try Data("alphA".utf8).write(to: dst.appendingPathComponent("Docs/a.txt"))
        try setTime("Docs/a.txt", in: dst)
        try Data("x".utf8).write(to: dst.appendingPathComponent("extra.txt"))
        try Data("half".utf8).write(to: dst.appendingPathComponent("Docs/.migrate-0123abcd.partial"))
        try FileManager.default.removeItem(at: dst.appendingPathComponent("top.txt"))
        try FileManager.default.createDirectory(at: dst.appendingPathComponent("top.txt"), withIntermediateDirectories: true)
        let (s, t) = (try LocalFolderTree(root: src.path), try LocalFolderTree(root: dst.path))
        let catalog = try CatalogDatabase(path: root.appendingPathComponent("catalog.sqlite").path)
        let verifier = Verifier(source: s, target: t, mapping: mapping(), policy: ACLPolicy())
        let repairer = Repairer(mapping: mapping(), source: s, target: t, catalog: catalog, policy: ACLPolicy(), retryWait: 0)
        let o = try FrozenVerification(verifier: verifier, repairer: repairer).run()
        XCTAssertEqual(Set(o.found.differences.map { "\($0.path): \($0.what)" }),
                       ["Docs/a.txt: content", "New: missing on the target", "extra.txt: extra on the target", "top.txt: kind",
                        "Docs/.migrate-0123abcd.partial: temporary file left on the target"])
        XCTAssertEqual(Set(o.repair?.outcomes.map { "\($0.path): \($0.action)" } ?? []),
                       ["Docs/a.txt: copied again", "New: folder copied again with its contents", "extra.txt: removed from the target",
                        "top.txt: copied again", "Docs/.migrate-0123abcd.partial: removed from the target"])
        XCTAssertEqual(o.repair?.failed.count, 0)
        XCTAssertEqual(o.after?.isClean, true, "\(o.after?.differences ?? [])")
        XCTAssertEqual(o.after?.files, 3, "a.txt, top.txt and the copied folder's file, rechecked")
        XCTAssertTrue(o.isClean)
        XCTAssertTrue(try verify().isClean, "a complete comparison agrees")
        let pass = try XCTUnwrap(try catalog.passes(share: "T").first)
        XCTAssertEqual(pass.kind, .repair)
        XCTAssertEqual(pass.status, .completed)
        XCTAssertNotNil(try catalog.synced(share: try catalog.shareID(for: mapping()), path: "New/Inner/i.txt"), "the catalog knows the repaired entries")
    }

    /// A repair that fails (the target folder is immutable) leaves the outcome unclean, says why,
    /// and is a failed work item of the repair pass, which `status` lists.
    func testAFailedRepairIsAFailedWorkItem() throws {
        try Data("alphA".utf8).write(to: dst.appendingPathComponent("Docs/a.txt"))
        try setTime("Docs/a.txt", in: dst)
        let docs = dst.appendingPathComponent("Docs").path
        guard system("chattr +i '\(docs)' 2>/dev/null") == 0 else { throw XCTSkip("chattr +i needs ext4 or the like here") }
        defer { _ = system("chattr -i '\(docs)'") }
        let (s, t) = (try LocalFolderTree(root: src.path), try LocalFolderTree(root: dst.path))
        let catalog = try CatalogDatabase(path: root.appendingPathComponent("catalog.sqlite").path)
        let o = try FrozenVerification(verifier: Verifier(source: s, target: t, mapping: mapping(), policy: ACLPolicy()),
                                       repairer: Repairer(mapping: mapping(), source: s, target: t, catalog: catalog, policy: ACLPolicy(), retryWait: 0)).run()
        XCTAssertFalse(o.isClean)
        XCTAssertEqual(o.repair?.failed.map(\.path), ["Docs/a.txt"])
        let pass = try XCTUnwrap(try catalog.passes(share: "T").first)
        XCTAssertEqual(pass.status, .failed)
        let failed = try catalog.work(pass: pass.id, state: .failed)
        XCTAssertEqual(failed.map { "\($0.action.rawValue) \($0.path)" }, ["update Docs/a.txt"])
        XCTAssertNotNil(failed.first?.error)
    }

    /// Without a repairer (or when a repair fails) the outcome is not clean, and says so.
    func testCompareOnlyIsNotCleanWhenSomethingDiffers() throws {
        try Data("alphA".utf8).write(to: dst.appendingPathComponent("Docs/a.txt"))
        try setTime("Docs/a.txt", in: dst)
        let v = Verifier(source: try LocalFolderTree(root: src.path), target: try LocalFolderTree(root: dst.path), mapping: mapping(), policy: ACLPolicy())
        let o = try FrozenVerification(verifier: v, repairer: nil).run()
        XCTAssertFalse(o.isClean)
        XCTAssertNil(o.repair)
        XCTAssertTrue(o.summary.contains("1 differences"), o.summary)
    }

    /// `--sample N` reads exactly N files on both sides; without content, a same-size edit that
    /// kept its write time goes unseen (what the report says it compared).
    func testContentSampleAndNone() throws {
        try Data("alphA".utf8).write(to: dst.appendingPathComponent("Docs/a.txt"))
        try setTime("Docs/a.txt", in: dst)
        func run(_ c: Verifier.Content) throws -> Verifier.Result {
            try Verifier(source: try LocalFolderTree(root: src.path), target: try LocalFolderTree(root: dst.path), mapping: mapping(),
                         policy: ACLPolicy(), content: c).run()
        }
        let none = try run(.none)
        XCTAssertEqual(none.contentCompared, 0)
        XCTAssertTrue(none.isClean)
        let two = try run(.sample(2))
        XCTAssertEqual(two.contentCompared, 2)
        let all = try run(.sample(10))
        XCTAssertEqual(all.contentCompared, 3)
        XCTAssertEqual(all.differences.map(\.what), ["content"], "a sample as large as the share reads every file")
        XCTAssertEqual(try run(.all).contentCompared, 3)
    }
}
