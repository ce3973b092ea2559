import Foundation
import LocalTree
import MigrateCore
import TreeConformance
import XCTest

/// The tree conformance suite on a local folder.
final class LocalTreeConformanceTests: TreeConformance {
    override func makeTree() throws -> (tree: any Tree, base: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-local-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try LocalFolderTree(root: dir), "")
    }

    override func cleanUp(_ tree: any Tree, _ base: String) {
        try? FileManager.default.removeItem(atPath: (tree as! LocalFolderTree).root)
    }

    func testDataRoundTripsInLargeBlocks() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingGivesExactlyTheChildrenWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnlyAttributeAreSet() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteAndTypedErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalkVisitsEverythingAndPrunes() throws { try checkWalkVisitsEverythingAndPrunes() }
}

/// The suite on a folder inside a local folder, as a tree of its own (`SubfolderTree`).
final class LocalSubfolderTreeConformanceTests: TreeConformance {
    var root = ""
    override func makeTree() throws -> (tree: any Tree, base: String) {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-sub-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/Data/Finance", withIntermediateDirectories: true)
        try "outside".write(toFile: root + "/Data/sentinel.txt", atomically: true, encoding: .utf8)
        let sub = SubfolderTree.wrap(try LocalFolderTree(root: root), folder: "Data/Finance")
        XCTAssertEqual(try sub.stat("").path, "", "the folder is the tree's root")
        return (sub, "")
    }

    override func cleanUp(_ tree: any Tree, _ base: String) {
        XCTAssertEqual(try? String(contentsOfFile: root + "/Data/sentinel.txt", encoding: .utf8), "outside", "nothing outside the folder is touched")
        try? FileManager.default.removeItem(atPath: root)
    }

    func testDataRoundTripsInLargeBlocks() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingGivesExactlyTheChildrenWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnlyAttributeAreSet() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteAndTypedErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalkVisitsEverythingAndPrunes() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), []) }
}
