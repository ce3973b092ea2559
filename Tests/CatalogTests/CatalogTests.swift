import Foundation
import GRDB
import MigrateCore
import XCTest
@testable import Catalog

/// The catalog's migrations and queries on a real SQLite file.
final class CatalogTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    var path: String { dir.appendingPathComponent("c.sqlite").path }

    func entry(_ path: String, kind: EntryKind = .file) -> SyncedEntry {
        SyncedEntry(path: path, kind: kind, size: 1, modified: Timestamp(seconds: 1), changed: nil, created: nil, attributes: [], sdHash: nil)
    }

    func testAFreshCatalogHasEveryMigrationInOrder() throws {
        _ = try CatalogDatabase(path: path)
        let applied = try DatabaseQueue(path: path).read { try CatalogDatabase.migrator.appliedMigrations($0) }
        XCTAssertEqual(applied, ["v1", "v2-cutover", "v3-forecast", "v4-typed-errors", "v5-folder-freeze"])
    }

    /// A catalog an older release made (up to v3) opens, gains the typed-error columns, and keeps
    /// what it held: a failed item's message, now with no kind.
    func testAnOlderCatalogIsMigratedAndKeepsItsRows() throws {
        let old = try DatabaseQueue(path: path)
        try CatalogDatabase.migrator.migrate(old, upTo: "v3-forecast")
        try old.write { db in
            try db.execute(sql: "INSERT INTO share (name, source, target) VALUES ('Finance', '\\\\old\\Finance', '\\\\new\\Finance')")
            try db.execute(sql: "INSERT INTO pass (share_id, kind, status, started) VALUES (1, 'full', 'failed', 10)")
            try db.execute(sql: "INSERT INTO work (pass_id, path, action, kind, size, state, attempts, error) VALUES (1, 'a.xlsx', 'copy', 'file', 5, 'failed', 3, 'in use')")
        }
        try old.close()
        let catalog = try CatalogDatabase(path: path)
        let item = try XCTUnwrap(try catalog.work(pass: 1, state: .failed).first)
        XCTAssertEqual(item.error, "in use")
        XCTAssertNil(item.errorKind)
        XCTAssertEqual(try catalog.failedKinds(pass: 1).map(\.count), [1])
        XCTAssertNil(try catalog.failedKinds(pass: 1).first?.kind)
        XCTAssertEqual(try catalog.passes(share: "Finance").first?.status, .failed)
    }

    func testWorkItemsKeepTheirTypedErrorAndADoneItemLosesIt() throws {
        let c = try CatalogDatabase(path: path)
        let share = try c.shareID(name: "S", source: "a", target: "b")
        let pass = try c.beginPass(share: share, kind: .full, at: 1)
        try c.enqueue(pass: pass, ["x", "y", "z"].map { WorkItem(path: $0, action: .copy, kind: .file, size: 1) })
        try c.complete(pass: pass, path: "x", action: .copy, attempts: 2,
                       error: TreeError(.busy, tree: "//s/S", path: "x", operation: "copy", detail: "sharing violation"))
        try c.complete(pass: pass, path: "y", action: .copy, attempts: 1,
                       error: TreeError(.accessDenied, tree: "//s/S", path: "y", operation: "copy", detail: "denied"))
        try c.complete(pass: pass, path: "z", action: .copy, attempts: 1,
                       error: TreeError(.busy, tree: "//s/S", path: "z", operation: "copy", detail: "locked"))
        XCTAssertEqual(try c.failedKinds(pass: pass).map { "\($0.count) \($0.kind!)" }, ["2 busy", "1 accessDenied"])
        let y = try XCTUnwrap(try c.work(pass: pass, state: .failed).first { $0.path == "y" })
        XCTAssertEqual(y.errorKind, .accessDenied)
        XCTAssertEqual(y.error, "//s/S/y: copy failed: access denied (denied)")
        // A later success clears the error and its kind.
        try c.recordDone(share: share, pass: pass, [(entry("x"), .copy, 3)])
        let x = try XCTUnwrap(try c.work(pass: pass).first { $0.path == "x" })
        XCTAssertEqual(x.state, .done)
        XCTAssertNil(x.error)
        XCTAssertNil(x.errorKind)
        XCTAssertEqual(try c.workCount(pass: pass, state: .failed), 2)
    }

    /// Forgetting a folder takes what is below it, never a sibling whose name only starts alike.
    func testForgetAndCountsBelowAFolderStayInsideIt() throws {
        let c = try CatalogDatabase(path: path)
        let share = try c.shareID(name: "S", source: "a", target: "b")
        let pass = try c.beginPass(share: share, kind: .full, at: 1)
        try c.recordDone(share: share, pass: pass, [entry("A", kind: .directory), entry("A/x"), entry("A/B/y"), entry("A b"), entry("AB"), entry("A0")]
            .map { ($0, .copy, 1) })
        XCTAssertEqual(try c.syncedCount(share: share, below: "A"), 2)
        XCTAssertEqual(Set(try c.syncedChildren(share: share, of: "").keys), ["A", "A b", "AB", "A0"])
        XCTAssertEqual(Set(try c.syncedChildren(share: share, of: "A").keys), ["A/x"])
        try c.forget(share: share, path: "A")
        XCTAssertEqual(try c.syncedCount(share: share), 3)
        XCTAssertNil(try c.synced(share: share, path: "A/B/y"))
        XCTAssertNotNil(try c.synced(share: share, path: "A b"))
    }

    /// Newest first, limited; a pass a killed process left running is closed as stopped by the next.
    func testPassesComeNewestFirstAndAnAbandonedOneIsStopped() throws {
        let c = try CatalogDatabase(path: path)
        let share = try c.shareID(name: "S", source: "a", target: "b")
        let first = try c.beginPass(share: share, kind: .full, at: 1)
        let second = try c.beginPass(share: share, kind: .delta, at: 2, forecast: .init(seconds: 30, basis: "test"))
        var counts = PassCounts()
        counts.copied = 4
        try c.finishPass(second, status: .completed, counts: counts, message: nil, at: 5)
        let passes = try c.passes(share: "S")
        XCTAssertEqual(passes.map(\.id), [second, first])
        XCTAssertEqual(passes[1].status, .stopped, "the abandoned first pass")
        XCTAssertEqual(passes[0].counts.copied, 4)
        XCTAssertEqual(passes[0].seconds, 3)
        XCTAssertEqual(passes[0].forecast?.basis, "test")
        XCTAssertEqual(try c.passes(share: "S", limit: 1).map(\.id), [second])
    }
}
