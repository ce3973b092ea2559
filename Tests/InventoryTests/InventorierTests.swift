import Foundation
@testable import Inventory
import LocalTree
import MigrateCore
@testable import MigratePlan
import XCTest

/// The inventory on a local folder holding names Windows will not accept.
final class InventorierTests: XCTestCase {
    func testTroubleNamesFiltersAndCounts() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inv-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("Docs/Old"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("Temp"), withIntermediateDirectories: true)
        let files: [(String, Int)] = [("Docs/Report.txt", 10), ("Docs/report.TXT", 20), ("Docs/notes. ", 1), ("Docs/CON.txt", 2),
                                      ("Docs/a:b?.txt", 3), ("Docs/Old/big.bin", 5000), ("Temp/x.tmp", 7), ("Docs/~$lock.doc", 1)]
        for (p, n) in files { fm.createFile(atPath: root.appendingPathComponent(p).path, contents: Data(count: n)) }
        let old = Date(timeIntervalSince1970: 1_104_537_600)   // 2005-01-01
        try fm.setAttributes([.modificationDate: old], ofItemAtPath: root.appendingPathComponent("Docs/Old/big.bin").path)

        let mapping = ShareMapping(name: "T", source: ShareLocation(server: "s", host: "h", share: "T", subpath: ""), target: .localFolder("/x"), filter: PathFilter(include: [], exclude: ["Temp", "~$*"]), dfsLink: nil,
                                   fatTimes: false, mirror: true)
        let policy = ACLPolicy(mode: .copy, map: [:], unmapped: .keep, names: [:])
        var inv = ShareInventory(name: "T", source: "src", target: "dst")
        let walker = Inventorier(tree: try LocalFolderTree(root: root.path), mapping: mapping, policy: policy, readSecurity: false,
                                 now: Timestamp(seconds: 1_795_000_000), targetPrefixLength: 20)
        try walker.run(into: &inv)

        // `a:b?.txt` is no name a pass can use (':' makes a stream): flagged, not counted, as a pass refuses it.
        XCTAssertEqual(inv.files, 5)
        XCTAssertEqual(inv.folders, 2)
        XCTAssertEqual(inv.excluded, 2)
        XCTAssertEqual(inv.bytes, 10 + 20 + 1 + 2 + 5000)
        XCTAssertEqual(inv.largest.first, .init(path: "Docs/Old/big.bin", size: 5000))
        XCTAssertEqual(inv.ageHistogram["> 10 years"], 1)
        XCTAssertEqual(inv.byYear[2005], 1)
        let issues = Dictionary(grouping: inv.nameIssues, by: \.problem).mapValues { $0.map(\.path).sorted() }
        XCTAssertEqual(issues[NameProblem.caseCollision.rawValue]?.count, 1)
        XCTAssertEqual(issues[NameProblem.trailingDotOrSpace.rawValue], ["Docs/notes. "])
        XCTAssertEqual(issues[NameProblem.reservedName.rawValue], ["Docs/CON.txt"])
        XCTAssertEqual(issues[NameProblem.invalidCharacter.rawValue], ["Docs/a:b?.txt"])
        XCTAssertEqual(issues[NameProblem.notAName.rawValue], ["Docs/a:b?.txt"])
        XCTAssertNil(issues[NameProblem.pathTooLong.rawValue])
    }

    func testNameChecks() {
        XCTAssertEqual(NameCheck.problems(name: "ok.txt", fullPathLength: 261), [.pathTooLong])
        XCTAssertEqual(NameCheck.problems(name: "lpt1", fullPathLength: 10), [.reservedName])
        XCTAssertEqual(NameCheck.problems(name: "nul.tar.gz", fullPathLength: 10), [.reservedName])
        XCTAssertEqual(NameCheck.problems(name: "console.txt", fullPathLength: 10), [])
        XCTAssertEqual(NameCheck.problems(name: "tab\there", fullPathLength: 10), [.invalidCharacter])
    }

    func testEstimate() {
        XCTAssertEqual(ReadRateProbe.estimate(files: 100, bytes: 1_000_000, bytesPerSecond: 1_000_000, filesPerSecond: 100), 2)
        XCTAssertEqual(ReadRateProbe.estimate(files: 100, bytes: 0, bytesPerSecond: nil, filesPerSecond: 50), 2)
        XCTAssertNil(ReadRateProbe.estimate(files: 100, bytes: 0, bytesPerSecond: nil, filesPerSecond: nil))
    }
}
