import Catalog
import Engine
import Foundation
import LocalTree
import MigrateCore
import MigratePlan
import XCTest

/// The pass logic on two local folders (no SMB): full, delta, mirror, guard, dry run, leftovers.
final class SyncPassTests: XCTestCase {
    var root: URL!
    var src: URL { root.appendingPathComponent("src") }
    var dst: URL { root.appendingPathComponent("dst") }
    var catalog: CatalogDatabase!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(UUID().uuidString.prefix(8))")
        for d in ["src/Docs/Deep", "src/Empty", "dst"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        for (p, text) in [("Docs/a.txt", "alpha"), ("Docs/Deep/b.txt", "bravo"), ("top.txt", "top"), ("Docs/c.txt", "charlie")] {
            try write(p, text)
        }
        try setTime("Docs/a.txt", 1_101_823_200)
        catalog = try CatalogDatabase(path: root.appendingPathComponent("catalog.sqlite").path)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ text: String, in base: URL? = nil) throws {
        try Data(text.utf8).write(to: (base ?? src).appendingPathComponent(path))
    }

    func setTime(_ path: String, _ seconds: Int, in base: URL? = nil) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(seconds))],
                                              ofItemAtPath: (base ?? src).appendingPathComponent(path).path)
    }

    func pass(_ configure: (inout SyncPass.Options) -> Void = { _ in }) throws -> PassSummary {
        var options = SyncPass.Options()
        options.retryWait = 0
        configure(&options)
        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), targetFolder: dst.path)
        return try SyncPass(mapping: mapping, source: try LocalFolderTree(root: src.path), target: try LocalFolderTree(root: dst.path),
                            catalog: catalog, policy: ACLPolicy(), options: options, log: nil).run()
    }

    /// Every entry below `base`: relative path -> "dir" or content@write time (µs, as SMB's utimes carries).
    func snapshot(_ base: URL) throws -> [String: String] {
        let tree = try LocalFolderTree(root: base.path)
        var out: [String: String] = [:]
        try tree.walk(onError: { throw $0 }) { e in
            if e.kind == .directory { out[e.path] = "dir"; return true }
            let text = String(decoding: FileManager.default.contents(atPath: base.appendingPathComponent(e.path).path)!, as: UTF8.self)
            out[e.path] = text + "@\(e.times.modified!.truncated(toTicks: 10).ticks)"
            return true
        }
        return out
    }

    /// A folder whose name is decomposed Unicode (é as e + combining accent, as macOS clients
    /// write it) has its children in the catalog like any other: a quick delta copies nothing again.
    func testQuickDeltaFindsTheChildrenOfADecomposedUnicodeFolder() throws {
        let folder = "Cafe\u{301} Menus"
        try FileManager.default.createDirectory(at: src.appendingPathComponent(folder), withIntermediateDirectories: true)
        try write("\(folder)/soup.txt", "soup")
        XCTAssertEqual(try pass().counts.failed, 0)
        let s = try pass { $0.trustCatalog = true }
        XCTAssertEqual(s.kind, "quick delta")
        XCTAssertEqual(s.counts.copied + s.counts.updated + s.counts.metadata, 0, "\(s.counts)")
    }

    func testFullThenDeltaMirrorsEveryChange() throws {
        var s = try pass()
        XCTAssertEqual(s.kind, "full")
        XCTAssertEqual([s.counts.copied, s.counts.copiedFolders], [4, 3])   // 4 files, 3 folders
        XCTAssertEqual(s.counts.failed, 0)
        XCTAssertEqual(try snapshot(dst), try snapshot(src))

        s = try pass()
        XCTAssertEqual(s.kind, "delta")
        XCTAssertEqual(s.counts.copied + s.counts.updated + s.counts.deleted, 0)
        XCTAssertEqual(s.counts.skipped, 7)

        // Same size, new content and time; a new file; a deleted file; a renamed folder.
        try write("Docs/a.txt", "ALPHA")
        try setTime("Docs/a.txt", 1_200_000_000)
        try write("Docs/new.txt", "new")
        try FileManager.default.removeItem(at: src.appendingPathComponent("top.txt"))
        try FileManager.default.moveItem(at: src.appendingPathComponent("Docs/Deep"), to: src.appendingPathComponent("Docs/Deeper"))
        s = try pass()
        XCTAssertEqual(s.counts.updated, 1)
        XCTAssertEqual(s.counts.deleted, 3)          // top.txt, Docs/Deep and its file (entries, as a dry run counts them)
        XCTAssertEqual([s.counts.copied, s.counts.copiedFolders], [2, 1])   // new.txt, Docs/Deeper and its file
        XCTAssertEqual(try snapshot(dst), try snapshot(src))
    }

    func testMirrorGuardStopsMassDeletesAndEmptySources() throws {
        _ = try pass()
        // The source share suddenly lists nothing (wrong share, unmounted volume): delete nothing.
        let moved = root.appendingPathComponent("moved")
        try FileManager.default.moveItem(at: src, to: moved)
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        var s = try pass()
        XCTAssertNotNil(s.stopped)
        XCTAssertTrue(s.stopped!.contains("lists no entries"), s.stopped!)
        XCTAssertEqual(s.counts.deleted, 0)
        XCTAssertEqual(try snapshot(dst).count, 7)
        // More than 10 % gone: stop, unless allowed.
        try FileManager.default.removeItem(at: src)
        try FileManager.default.moveItem(at: moved, to: src)
        try FileManager.default.removeItem(at: src.appendingPathComponent("Docs"))
        s = try pass { $0.massDeleteFloor = 0 }
        XCTAssertTrue(s.stopped?.contains("would delete 5 of 8 target entries") ?? false, s.stopped ?? "not stopped")
        XCTAssertEqual(try snapshot(dst).count, 7)
        s = try pass { $0.massDeleteFloor = 0; $0.allowMassDelete = true }
        XCTAssertNil(s.stopped)
        XCTAssertEqual(try snapshot(dst), try snapshot(src))
    }

    func testDryRunChangesNothingAndListsActions() throws {
        let s = try pass { $0.dryRun = true }
        XCTAssertEqual([s.counts.copied, s.counts.copiedFolders], [4, 3])
        XCTAssertEqual(Set(s.planned.map(\.path)), ["", "Docs", "Docs/a.txt", "Docs/c.txt", "Docs/Deep", "Docs/Deep/b.txt", "Empty", "top.txt"])
        XCTAssertEqual(s.planned.first { $0.path == "" }?.action, "metadata", "the share root's times and ACL travel too")
        XCTAssertEqual(s.plannedBytes, 5 + 5 + 3 + 7)
        XCTAssertEqual(try snapshot(dst), [:])
        // Nothing recorded as synced: the next real pass is still a full one.
        XCTAssertEqual(try catalog.syncedCount(share: try catalog.shareID(name: "T", source: "", target: "")), 0)
    }

    /// A dry run counts exactly what the real pass after it does: after a first pass (nothing to
    /// do), after edits, additions and a deleted folder (counted in entries), and when the mirror
    /// guard would stop the deletions (its verdict stated, nothing counted as deleted).
    func testDryRunCountsEqualTheRealPassThatFollows() throws {
        func assertPreview(_ configure: (inout SyncPass.Options) -> Void, _ what: String, line: UInt = #line) throws -> PassSummary {
            let preview = try pass { configure(&$0); $0.dryRun = true }
            let real = try pass(configure)
            XCTAssertEqual(preview.counts, real.counts, "\(what): dry run vs the real pass", line: line)
            XCTAssertEqual(preview.stopped != nil, real.stopped != nil, "\(what): the guard's verdict", line: line)
            XCTAssertEqual(preview.plannedBytes, real.counts.bytes, "\(what): bytes", line: line)
            return real
        }
        _ = try assertPreview({ _ in }, "the first pass")
        var real = try assertPreview({ _ in }, "nothing changed")
        XCTAssertEqual(real.counts.copied + real.counts.updated + real.counts.metadata + real.counts.deleted, 0)
        XCTAssertEqual(real.counts.skipped, 7)
        try write("Docs/a.txt", "ALPHA")
        try setTime("Docs/a.txt", 1_101_823_300)
        try FileManager.default.createDirectory(at: src.appendingPathComponent("New/Inner"), withIntermediateDirectories: true)
        try write("New/Inner/n.txt", "new")
        try FileManager.default.removeItem(at: src.appendingPathComponent("Docs/Deep"))
        real = try assertPreview({ _ in }, "after edits")
        XCTAssertEqual(real.counts.deleted, 2, "Deep and Deep/b.txt: deletions are counted in entries")
        XCTAssertEqual([real.counts.copied, real.counts.copiedFolders], [1, 2])
        XCTAssertEqual(real.counts.updated, 1)
        // Most of the target gone from the source: the guard stops the deletions, in both.
        try FileManager.default.removeItem(at: src.appendingPathComponent("Docs"))
        real = try assertPreview({ $0.massDeleteFloor = 0 }, "behind the mirror guard")
        XCTAssertEqual(real.counts.deleted, 0)
        XCTAssertTrue(real.stopped?.contains("mirror guard") ?? false)
        let preview = try pass { $0.massDeleteFloor = 0; $0.dryRun = true }
        XCTAssertTrue(preview.stopped?.contains("the real pass would delete nothing") ?? false, preview.stopped ?? "no verdict")
        _ = try assertPreview({ $0.massDeleteFloor = 0; $0.allowMassDelete = true }, "with --allow-mass-delete")
        XCTAssertEqual(try snapshot(dst), try snapshot(src))
    }

    func testLeftoverTemporaryFilesAreRemovedAndExcludesRespected() throws {
        try FileManager.default.createDirectory(at: dst.appendingPathComponent("Docs"), withIntermediateDirectories: true)
        try write("Docs/.migrate-deadbeef.partial", "half a file", in: dst)
        try write("Docs/keep.tmp", "x")
        var options = SyncPass.Options()
        options.retryWait = 0
        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), targetFolder: dst.path,
                                   filter: PathFilter(exclude: ["*.tmp"]))
        let s = try SyncPass(mapping: mapping, source: try LocalFolderTree(root: src.path), target: try LocalFolderTree(root: dst.path),
                             catalog: catalog, policy: ACLPolicy(), options: options, log: nil).run()
        XCTAssertEqual(s.counts.failed, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dst.appendingPathComponent("Docs/.migrate-deadbeef.partial").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dst.appendingPathComponent("Docs/keep.tmp").path))
    }
}
