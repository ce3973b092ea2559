import Foundation
import LocalTree
import MigrateCore
import TreeConformance

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
