import Foundation
import MigrateCore
import SMBKit
import TreeConformance

/// The tree conformance suite on the lab's SMB3 target share.
final class SMBTreeConformanceTests: TreeConformance {
    override func makeTree() throws -> (tree: any Tree, base: String) {
        let share = try Lab.share(Lab.modern, "Projects")
        let base = "conformance-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(base)
        return (share, base)
    }

    override func cleanUp(_ tree: any Tree, _ base: String) { removeTree(tree, base) }

    func testDataRoundTripsInLargeBlocks() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingGivesExactlyTheChildrenWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnlyAttributeAreSet() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteAndTypedErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalkVisitsEverythingAndPrunes() throws { try checkWalkVisitsEverythingAndPrunes() }
}

/// The same suite over SMB1 on the legacy server (a scratch folder in Finance).
final class SMB1TreeConformanceTests: TreeConformance {
    override func makeTree() throws -> (tree: any Tree, base: String) {
        let share = try Lab.share(Lab.legacy, "Finance")
        let base = "conformance-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(base)
        return (share, base)
    }

    override func cleanUp(_ tree: any Tree, _ base: String) { removeTree(tree, base) }

    func testDataRoundTripsInLargeBlocks() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingGivesExactlyTheChildrenWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnlyAttributeAreSet() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteAndTypedErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalkVisitsEverythingAndPrunes() throws { try checkWalkVisitsEverythingAndPrunes() }
}
