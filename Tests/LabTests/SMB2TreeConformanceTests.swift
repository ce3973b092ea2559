import Foundation
import MigrateCore
import SMBKit
import TreeConformance
import XCTest

/// The tree conformance suite over the direct SMB2/3 session alone (`SMB2Tree`: no
/// libsmbclient, no helper), plain, signed and encrypted.
class SMB2TreeConformanceCase: TreeConformance {
    var host: String { Lab.modern }
    var shareName: String { "Scratch" }
    var options: SMBSessionOptions { .init() }
    var expectedTransport: String { "direct SMB 3.1.1, not signed" }

    override func makeTree() throws -> (tree: any Tree, base: String) {
        let tree = try SMB2Tree(host: host, share: shareName, credentials: try Lab.credentials(), options: options)
        XCTAssertEqual(tree.transportSummary, expectedTransport)
        let base = "conformance-\(UUID().uuidString.prefix(8))"
        try tree.makeDirectory(base)
        return (tree, base)
    }

    override func cleanUp(_ tree: any Tree, _ base: String) { removeTree(tree, base) }
}

final class SMB2TreeConformanceTests: SMB2TreeConformanceCase {
    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["put", "streams", "descriptors", "read whole", "one-exchange metadata"]) }
}

/// The server that requires signing: every request signed, every reply's signature checked.
final class SignedSMB2TreeConformanceTests: SMB2TreeConformanceCase {
    override var host: String { Lab.signed }
    override var expectedTransport: String { "direct SMB 3.1.1, signed AES-128-GMAC" }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["put", "streams", "descriptors", "read whole", "one-exchange metadata"]) }
}

/// A share that requires encryption: every message in a transform header.
final class EncryptedSMB2TreeConformanceTests: SMB2TreeConformanceCase {
    override var shareName: String { "Sealed" }
    override var expectedTransport: String { "direct SMB 3.1.1, encrypted AES-128-GCM" }

    func testDataRoundTrips() throws { try checkDataRoundTripsInLargeBlocks() }
    func testListingWithAwkwardNames() throws { try checkListingGivesExactlyTheChildrenWithAwkwardNames() }
    func testTimesAndReadOnly() throws { try checkTimesAndReadOnlyAttributeAreSet() }
    func testRenameDeleteErrors() throws { try checkRenameDeleteAndTypedErrors() }
    func testWalk() throws { try checkWalkVisitsEverythingAndPrunes() }
    func testOptionalAbilities() throws { XCTAssertEqual(try checkOptionalAbilities(), ["put", "streams", "descriptors", "read whole", "one-exchange metadata"]) }
}

/// Large files through the direct session's windows of reads and writes, checked with an
/// independent client (smbclient, which signs as the server requires) both ways.
final class SMB2TreeLargeFileTests: XCTestCase {
    func testLargeFilesMatchWhatSmbclientReadsAndWrites() throws {
        let tree = try SMB2Tree(host: Lab.signed, share: "Scratch", credentials: try Lab.credentials())
        let dir = "large-\(UUID().uuidString.prefix(8))"
        try tree.makeDirectory(dir)
        defer { removeTree(tree, dir) }
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("large-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: local) }
        var bytes = [UInt8](repeating: 0, count: (5 << 20) + 777)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: (i &* 40503) >> 7) }
        let w = try tree.openForWriting("\(dir)/out.bin")
        try bytes.withUnsafeBytes { p in
            var at = 0
            while at < p.count { let n = min(300_000, p.count - at); try w.write(UnsafeRawBufferPointer(rebasing: p[at..<at + n])); at += n }
        }
        try w.close()
        _ = try Lab.smbclient(Lab.signed, "Scratch", "get \(dir)\\out.bin \(local.path)")
        XCTAssertEqual(try Data(contentsOf: local), Data(bytes), "smbclient reads what the direct session wrote")

        bytes.reverse()
        try Data(bytes).write(to: local)
        _ = try Lab.smbclient(Lab.signed, "Scratch", "put \(local.path) \(dir)\\in.bin")
        let r = try tree.openForReading("\(dir)/in.bin")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 200_000, alignment: 16)
        defer { buffer.deallocate() }
        var back: [UInt8] = []
        while case let n = try r.read(into: buffer), n > 0 { back += buffer[..<n] }
        try r.close()
        XCTAssertEqual(back, bytes, "the direct session reads what smbclient wrote")
    }
}
