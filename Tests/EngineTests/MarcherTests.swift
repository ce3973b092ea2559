import Engine
import MigrateCore
import MigratePlan
import XCTest

/// The lock-step walk on its own, over trees that serve fixed listings (what a server lists,
/// in the order and case it lists it), so each rule is seen without a pass around it.
final class MarcherTests: XCTestCase {
    /// A tree that lists what it is given and can do nothing else; a listing may fail a few times.
    class ListedTree: Tree {
        var listings: [String: [Entry]]
        var failures: [String: [TreeError]] = [:]
        var listed: [String] = []
        init(_ listings: [String: [Entry]]) { self.listings = listings }
        var displayName: String { "//fixed/share" }
        var timePrecision: Int64 { 1 }
        func list(_ path: String, _ body: (Entry) throws -> Void) throws {
            listed.append(path)
            if var f = failures[path], !f.isEmpty { let e = f.removeFirst(); failures[path] = f; throw e }
            guard let entries = listings[path] else { throw TreeError(.notFound, tree: displayName, path: path, operation: "list folder", detail: "no such folder") }
            for e in entries { try body(e) }
        }
        func refuse() -> TreeError { TreeError(.notSupported, tree: displayName, operation: "test", detail: "listings only") }
        func stat(_ path: String) throws(TreeError) -> Entry { throw refuse() }
        func makeDirectory(_ path: String) throws(TreeError) { throw refuse() }
        func removeFile(_ path: String) throws(TreeError) { throw refuse() }
        func removeDirectory(_ path: String) throws(TreeError) { throw refuse() }
        func rename(_ from: String, to: String) throws(TreeError) { throw refuse() }
        func openForReading(_ path: String) throws(TreeError) -> any ReadableFile { throw refuse() }
        func openForWriting(_ path: String) throws(TreeError) -> any WritableFile { throw refuse() }
        func openForResuming(_ path: String, at offset: UInt64) throws(TreeError) -> any WritableFile { throw refuse() }
        func setMetadata(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError) { throw refuse() }
    }

    func file(_ path: String) -> Entry { Entry(path: path, kind: .file, size: 1, times: FileTimes()) }
    func folder(_ path: String) -> Entry { Entry(path: path, kind: .directory, times: FileTimes(), attributes: [.directory]) }

    struct Visit: Equatable { var dir: String; var pairs: [String]; var own: [String] }

    /// Pairs as "path: S T" (which sides have it); every folder returned is walked.
    func walk(_ m: Marcher, descend: Bool = true, errors: inout [String]) throws -> [Visit] {
        var visits: [Visit] = []
        var seen: [String] = []
        try m.march(onError: { e, side in seen.append("\(side) \(e.path): \(e.kind)") }) { dir, pairs, own in
            visits.append(Visit(dir: dir, pairs: pairs.map { "\($0.path): \($0.source == nil ? "-" : "S")\($0.target == nil ? "-" : "T")" },
                                own: own.map(\.path)))
            return descend ? pairs.compactMap { $0.source?.kind == .directory ? $0.path : nil } : []
        }
        errors = seen
        return visits
    }

    func testPairsAreMatchedByNameWithoutCaseAndSortedAndDepthFirst() throws {
        let source = ListedTree(["": [file("b.txt"), folder("Docs"), file("Report.DOC"), folder("A")],
                                 "A": [file("A/x")], "Docs": [file("Docs/new.txt")]])
        let target = ListedTree(["": [file("report.doc"), file("gone.txt"), folder("DOCS")], "Docs": [file("Docs/old.txt")]])
        var errors: [String] = []
        let visits = try walk(Marcher(source: source, target: target, filter: PathFilter()), errors: &errors)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(visits.map(\.dir), ["", "A", "Docs"], "each folder once, depth first in name order")
        XCTAssertEqual(visits[0].pairs, ["A: S-", "Docs: ST", "Report.DOC: ST", "b.txt: S-", "gone.txt: -T"],
                       "Report.DOC pairs with report.doc and Docs with DOCS, as Windows compares names")
        XCTAssertEqual(visits[1].pairs, ["A/x: S-"], "a folder missing on the target: an empty target side, no error")
        XCTAssertEqual(visits[2].pairs, ["Docs/new.txt: S-", "Docs/old.txt: -T"])
    }

    func testOnlyTheFoldersTheVisitorReturnsAreWalked() throws {
        let source = ListedTree(["": [folder("A")], "A": [file("A/x")]])
        var errors: [String] = []
        let visits = try walk(Marcher(source: source, target: ListedTree(["": []]), filter: PathFilter()), descend: false, errors: &errors)
        XCTAssertEqual(visits.map(\.dir), [""])
        XCTAssertEqual(source.listed, [""])
    }

    /// A source folder that cannot be listed is reported and not visited (so nothing under it is
    /// deleted); so is a target folder whose listing fails for any reason but absence.
    func testListingFailuresAreReportedAndTheFolderIsNotVisited() throws {
        let source = ListedTree(["": [folder("Locked"), folder("Odd")], "Odd": [file("Odd/a")]])
        source.failures["Locked"] = [TreeError(.accessDenied, tree: "//fixed/share", path: "Locked", operation: "list folder", detail: "denied")]
        let target = ListedTree(["": [folder("Locked"), folder("Odd")], "Locked": [file("Locked/keep")]])
        target.failures["Odd"] = [TreeError(.accessDenied, tree: "//fixed/share", path: "Odd", operation: "list folder", detail: "denied")]
        var errors: [String] = []
        let visits = try walk(Marcher(source: source, target: target, filter: PathFilter()), errors: &errors)
        XCTAssertEqual(errors, ["source Locked: accessDenied", "target Odd: accessDenied"])
        XCTAssertEqual(visits.map(\.dir), [""])
    }

    /// A listing that fails for a reason that may pass is tried again; one that keeps failing is reported.
    func testARetryableListingFailureIsTriedAgain() throws {
        let source = ListedTree(["": [file("a")]])
        source.failures[""] = [TreeError(.unreachable, tree: "//fixed/share", operation: "list folder", detail: "reset")]
        var errors: [String] = []
        let visits = try walk(Marcher(source: source, target: ListedTree(["": []]), filter: PathFilter(), retries: 1), errors: &errors)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(visits.first?.pairs, ["a: S-"])
        source.failures[""] = Array(repeating: TreeError(.unreachable, tree: "//fixed/share", operation: "list folder", detail: "reset"), count: 2)
        XCTAssertEqual(try walk(Marcher(source: source, target: ListedTree(["": []]), filter: PathFilter(), retries: 1), errors: &errors), [])
        XCTAssertEqual(errors, ["source : unreachable"])
    }

    /// Excluded entries are not paired on either side (never copied, never deleted); the pass's
    /// own temporary files come apart from the pairs.
    func testTheFilterAppliesToBothSidesAndOwnFilesComeApart() throws {
        let source = ListedTree(["": [file("keep.txt"), file("~$lock.docx"), folder("Temp")]])
        let target = ListedTree(["": [file("~$old.docx"), folder("temp"), file(".migrate-1.partial")]])
        var errors: [String] = []
        let m = Marcher(source: source, target: target, filter: PathFilter(exclude: ["~$*", "Temp"]), isOwnFile: { $0.hasSuffix(".partial") })
        let visits = try walk(m, errors: &errors)
        XCTAssertEqual(visits.map(\.pairs), [["keep.txt: S-"]])
        XCTAssertEqual(visits.first?.own, [".migrate-1.partial"])
    }

    /// A server that lists one more folder inside every folder, for ever.
    final class EndlessTree: ListedTree {
        let name: String
        var calls = 0
        init(_ name: String) { self.name = name; super.init([:]) }
        override func list(_ path: String, _ body: (Entry) throws -> Void) throws {
            calls += 1
            guard calls < 10_000 else { throw TreeError(.io, tree: displayName, path: path, operation: "list folder", detail: "the test's bound") }
            try body(Entry(path: path.isEmpty ? name : path + "/" + name, kind: .directory, times: FileTimes(), attributes: [.directory]))
        }
    }

    /// A folder named "..." in every folder (Windows reads it as "."): refused, never walked into.
    func testAFolderOfDotsIsRefusedNotWalkedForEver() throws {
        let source = EndlessTree("...")
        var errors: [String] = []
        let visits = try walk(Marcher(source: source, target: ListedTree(["": []]), filter: PathFilter()), errors: &errors)
        XCTAssertEqual(visits.map(\.dir), [""])
        XCTAssertEqual(errors, ["source : invalidArgument"])
        XCTAssertEqual(source.calls, 1)
    }

    /// Folders nested without end: the walk stops where no Windows path (and no SMB request) can go.
    func testAPathLongerThanWindowsAllowsEndsTheWalk() throws {
        let source = EndlessTree(String(repeating: "d", count: 250))
        var errors: [String] = []
        let visits = try walk(Marcher(source: source, target: ListedTree(["": []]), filter: PathFilter()), errors: &errors)
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertEqual(visits.count, 32_767 / 251 + 1, "every level up to the longest path, then no more")
        XCTAssertLessThan(source.calls, 10_000, "ended by the path rule, not the test's bound")
    }
}
