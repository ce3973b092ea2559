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
        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), target: .localFolder(dst.path))
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
        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), target: .localFolder(dst.path),
                                   filter: PathFilter(exclude: ["*.tmp"]))
        let s = try SyncPass(mapping: mapping, source: try LocalFolderTree(root: src.path), target: try LocalFolderTree(root: dst.path),
                             catalog: catalog, policy: ACLPolicy(), options: options, log: nil).run()
        XCTAssertEqual(s.counts.failed, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dst.appendingPathComponent("Docs/.migrate-deadbeef.partial").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dst.appendingPathComponent("Docs/keep.tmp").path))
    }
}

/// A source that lists names no target can have, as a hostile or broken server might: the pass
/// reports each, copies the rest, writes nothing outside the target folder and deletes nothing.
final class HostileNameTests: XCTestCase {
    /// A local folder whose listings also carry the given made-up entries.
    final class HostileTree: Tree {
        let inner: LocalFolderTree
        let extra: [String: [Entry]]
        init(_ inner: LocalFolderTree, extra: [String: [Entry]]) { self.inner = inner; self.extra = extra }
        var displayName: String { "//hostile/share" }
        var timePrecision: Int64 { inner.timePrecision }
        func stat(_ path: String) throws(TreeError) -> Entry { try inner.stat(path) }
        func list(_ path: String, _ body: (Entry) throws -> Void) throws {
            try inner.list(path, body)
            for e in extra[path] ?? [] { try body(e) }
        }
        func makeDirectory(_ path: String) throws(TreeError) { try inner.makeDirectory(path) }
        func removeFile(_ path: String) throws(TreeError) { try inner.removeFile(path) }
        func removeDirectory(_ path: String) throws(TreeError) { try inner.removeDirectory(path) }
        func rename(_ from: String, to: String) throws(TreeError) { try inner.rename(from, to: to) }
        func openForReading(_ path: String) throws(TreeError) -> any ReadableFile { try inner.openForReading(path) }
        func openForWriting(_ path: String) throws(TreeError) -> any WritableFile { try inner.openForWriting(path) }
        func openForResuming(_ path: String, at offset: UInt64) throws(TreeError) -> any WritableFile { try inner.openForResuming(path, at: offset) }
        func setMetadata(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError) {
            try inner.setMetadata(path, times: times, attributes: attributes)
        }
    }

    /// A copy that fails keeps its error typed: the summary and the catalog's work item have its
    /// kind and operation, not only a message.
    /// A pass from `source` (a hostile tree over a local folder) into the local folder `dst`,
    /// its catalog in `root`.
    func pass(_ source: any Tree, into dst: URL, catalogIn root: URL) throws -> (PassSummary, CatalogDatabase) {
        let catalog = try CatalogDatabase(path: root.appendingPathComponent("c.sqlite").path)
        var options = SyncPass.Options()
        options.retryWait = 0
        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "src"), target: .localFolder(dst.path))
        let s = try SyncPass(mapping: mapping, source: source, target: try LocalFolderTree(root: dst.path), catalog: catalog,
                             policy: ACLPolicy(), options: options, log: nil).run()
        return (s, catalog)
    }

    func testAFailedCopyKeepsItsErrorKindInTheSummaryAndTheCatalog() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("typed-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let src = root.appendingPathComponent("src"), dst = root.appendingPathComponent("dst")
        for d in [src, dst] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try Data("fine".utf8).write(to: src.appendingPathComponent("ok.txt"))
        // Listed but gone by the time it is read (a user deleted it mid-pass).
        let ghost = Entry(path: "ghost.txt", kind: .file, size: 4, times: FileTimes(modified: Timestamp(seconds: 1_100_000_000)))
        let (s, catalog) = try pass(HostileTree(try LocalFolderTree(root: src.path), extra: ["": [ghost]]), into: dst, catalogIn: root)
        XCTAssertEqual(s.counts.failed, 1, "\(s.failures)")
        let failure = try XCTUnwrap(s.failures.first)
        XCTAssertEqual(failure.error.kind, .notFound, "\(failure)")
        XCTAssertEqual(failure.error.path, "ghost.txt")
        let pass = try XCTUnwrap(try catalog.passes(share: "T", limit: 1).first)
        let item = try XCTUnwrap(try catalog.work(pass: pass.id, state: .failed).first)
        XCTAssertEqual(item.errorKind, .notFound)
        XCTAssertEqual(item.error, failure.reason)
        XCTAssertEqual(try catalog.failedKinds(pass: pass.id).map(\.count), [1])
    }

    func testNamesThatCannotExistOnTheTargetAreRefusedAndNothingEscapes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let src = root.appendingPathComponent("src"), dst = root.appendingPathComponent("deep/dst")
        for d in [src.appendingPathComponent("Docs"), dst] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try Data("fine".utf8).write(to: src.appendingPathComponent("Docs/ok.txt"))
        try Data("keep".utf8).write(to: dst.appendingPathComponent("keep.txt"))
        let t = FileTimes(modified: Timestamp(seconds: 1_100_000_000))
        let hostile = HostileTree(try LocalFolderTree(root: src.path), extra: [
            "": [Entry(path: "../../escape-dir", kind: .directory, times: t), Entry(path: "..", kind: .directory, times: t)],
            "Docs": [Entry(path: "Docs/a:b", kind: .file, size: 4, times: t), Entry(path: "Docs/nul\u{0}x", kind: .file, times: t),
                     Entry(path: "Docs/back\\slash", kind: .file, times: t), Entry(path: "Elsewhere/x", kind: .file, times: t)],
        ])
        let (s, _) = try pass(hostile, into: dst, catalogIn: root)
        XCTAssertEqual(s.counts.failed, 6, "\(s.failures)")
        for needle in ["'../../escape-dir'", "'..'", "'a:b'", "'nul\\x0x'", "'back\\slash'", "'Elsewhere/x', which is not in this folder"] {
            XCTAssertTrue(s.failures.contains { $0.reason.contains(needle) }, "\(needle) in \(s.failures.map(\.reason))")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dst.appendingPathComponent("Docs/ok.txt").path), "the rest is copied")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("escape-dir").path), "nothing outside the target")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("deep/escape-dir").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dst.appendingPathComponent("keep.txt").path), "no deletions after a refused listing")
        // The local tree itself refuses a path that would leave it.
        XCTAssertThrowsError(try LocalFolderTree(root: dst.path).makeDirectory("../../escape-dir")) { XCTAssertEqual(($0 as? TreeError)?.kind, .invalidArgument) }
    }
}
