import Foundation
import MigrateCore
import SMBKit
import TreeConformance
import XCTest

/// The tree conformance suite on a scratch folder of a lab share.
class SMBConformanceCase: TreeConformance {
    var host: String { Lab.modern }
    var shareName: String { "Projects" }

    override func makeTree() throws -> (tree: any Tree, base: String) {
        let share = try Lab.share(host, shareName)
        let base = "conformance-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(base)
        return (share, base)
    }

    override func cleanUp(_ tree: any Tree, _ base: String) { removeTree(tree, base) }
}

/// SMB3 on the modern target.
final class SMBTreeConformanceTests: SMBConformanceCase {
    func testDataRoundTripsInLargeBlocks() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingGivesExactlyTheChildrenWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnlyAttributeAreSet() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteAndTypedErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalkVisitsEverythingAndPrunes() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["put", "streams", "descriptors", "read whole", "one-exchange metadata"]) }
}

/// SMB1 on the legacy server (a scratch folder in Finance).
final class SMB1TreeConformanceTests: SMBConformanceCase {
    override var host: String { Lab.legacy }
    override var shareName: String { "Finance" }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["streams", "descriptors", "read whole"]) }
}

/// SMB3 on the server that requires signing: the direct session signs every request and checks
/// every reply.
final class SignedSMBTreeConformanceTests: SMBConformanceCase {
    override var host: String { Lab.signed }
    override var shareName: String { "Scratch" }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["put", "streams", "descriptors", "read whole", "one-exchange metadata"]) }
}

/// SMB3 on a share that requires encryption: every message in a transform header.
final class EncryptedSMBTreeConformanceTests: SMBConformanceCase {
    override var shareName: String { "Sealed" }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["put", "streams", "descriptors", "read whole", "one-exchange metadata"]) }
}

/// libsmbclient alone (no direct session), on the modern target.
final class LibsmbclientTreeConformanceTests: SMBConformanceCase {
    override func setUp() { super.setUp(); setenv("MIGRATE_DIRECT_SMB", "0", 1) }
    override func tearDown() { unsetenv("MIGRATE_DIRECT_SMB"); super.tearDown() }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["streams", "descriptors"]) }
}

/// SMB1 signing required (LEGACY's folders as a 2003 domain controller serves them).
final class SignedSMB1TreeConformanceTests: SMBConformanceCase {
    override var host: String { Lab.legacyDC }
    override var shareName: String { "Finance" }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["streams", "descriptors", "read whole"]) }
}

/// A folder inside an SMB3 share as a tree of its own (`SubfolderTree`): every ability of the
/// share, through the folder.
final class SubfolderSMBTreeConformanceTests: SMBConformanceCase {
    override func makeTree() throws -> (tree: any Tree, base: String) {
        let share = try Lab.share(host, shareName)
        let folder = "conformance-sub-\(UUID().uuidString.prefix(8))"
        try share.makeDirectory(folder)
        try share.makeDirectory(folder + "/Inner")
        return (SubfolderTree.wrap(share, folder: folder + "/Inner"), "")
    }

    override func cleanUp(_ tree: any Tree, _ base: String) {
        let sub = tree as! SubfolderTree
        removeTree(sub.inner, String(sub.folder.split(separator: "/")[0]))
    }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["put", "streams", "descriptors", "read whole", "one-exchange metadata"]) }
}
