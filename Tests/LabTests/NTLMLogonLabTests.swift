import Foundation
import MigrateCore
@testable import SMBKit
import TreeConformance
import XCTest

/// The NTLM logon of the direct sessions against Samba, through an on-path relay: the response
/// names the service it is for and carries a MIC the server checks, and the server's SPNEGO
/// mechListMIC is checked in turn (frames on each side: 1 negotiate, 2-3 logon).
final class NTLMLogonLabTests: XCTestCase {
    final class Captured: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [[UInt8]] = []
        func add(_ m: [UInt8]) { lock.withLock { messages.append(m) } }
        var authenticate: [UInt8]? {
            lock.withLock { messages.lazy.compactMap { m in TamperRelay.offset(of: NTLMLogonLabTests.authenticateMark, in: m).map { Array(m[$0...]) } }.first }
        }
    }

    static let authenticateMark: [UInt8] = Array("NTLMSSP".utf8) + [0, 3, 0, 0, 0]

    func logOn(_ host: String, smb1: Bool, dialects: [UInt16] = SMB2Session.dialects) throws {
        let share = smb1 ? "Finance" : "Scratch"
        if smb1 {
            _ = try SMB1Session(host: host, share: share, credentials: try Lab.credentials(), displayName: "//\(host)/\(share)")
        } else {
            _ = try SMB2Session(host: host, share: share, credentials: try Lab.credentials(), displayName: "//\(host)/\(share)", dialects: dialects)
        }
    }

    /// The AV pairs of the NTLMv2 response's blob (id -> value).
    func clientPairs(_ authenticate: [UInt8]) -> [UInt16: [UInt8]] {
        let r = WireReader(authenticate)
        let nt = r.slice(Int(r.u32(24)), Int(r.u16(20)))
        var pairs: [UInt16: [UInt8]] = [:]
        var o = 16 + 28
        let b = WireReader(nt)
        while o + 4 <= nt.count, b.u16(o) != 0 {
            let len = Int(b.u16(o + 2))
            pairs[b.u16(o)] = b.slice(o + 4, len)
            o += 4 + len
        }
        return pairs
    }

    func checkResponseNamesTheServiceAndIsBound(upstream: String, smb1: Bool) throws {
        let seen = Captured()
        let relay = try TamperRelay(upstream: upstream, alterRequest: { _, m in seen.add(m) }) { _, _ in }
        defer { relay.stop() }
        try logOn(relay.address, smb1: smb1)
        let message = try XCTUnwrap(seen.authenticate)
        let pairs = clientPairs(message)
        XCTAssertEqual(pairs[6], [2, 0, 0, 0], "MsvAvFlags: a MIC is present")
        XCTAssertEqual(pairs[9], WireWriter.utf16("cifs/\(relay.address)"), "MsvAvTargetName")
        XCTAssertEqual(pairs[10], [UInt8](repeating: 0, count: 16), "MsvAvChannelBindings: no channel")
        XCTAssertNotEqual(Array(message[72..<88]), [UInt8](repeating: 0, count: 16), "the MIC")
        usleep(200_000)
    }

    func checkTheServerRefusesAnAlteredMIC(upstream: String, smb1: Bool) throws {
        let relay = try TamperRelay(upstream: upstream, alterRequest: { _, m in
            if let at = TamperRelay.offset(of: Self.authenticateMark, in: m) { m[at + 72] ^= 0x01 }
        }) { _, _ in }
        defer { relay.stop() }
        XCTAssertThrowsError(try logOn(relay.address, smb1: smb1)) { error in
            XCTAssertTrue("\(error)".contains("log on"), "\(error)")
        }
        XCTAssertEqual(relay.altered, 1, "only the MIC was changed, and the server noticed")
        usleep(200_000)
    }

    func testTheResponseNamesTheServiceAndCarriesAMICOverSMB2() throws {
        try checkResponseNamesTheServiceAndIsBound(upstream: Lab.modern, smb1: false)
        try checkTheServerRefusesAnAlteredMIC(upstream: Lab.modern, smb1: false)
    }

    func testTheResponseNamesTheServiceAndCarriesAMICOverSMB1() throws {
        try checkResponseNamesTheServiceAndIsBound(upstream: Lab.legacy, smb1: true)
        try checkTheServerRefusesAnAlteredMIC(upstream: Lab.legacy, smb1: true)
    }

    /// The server's mechListMIC in its last logon reply, changed on the way: on an unsigned SMB1
    /// session nothing else would notice, and the session refuses it (SMB2 signs that reply, so
    /// its signature check refuses it first).
    func testAnAlteredMechListMICFromTheServerIsRefused() throws {
        let micField: [UInt8] = [0xa3, 0x12, 0x04, 0x10, 0x01, 0x00, 0x00, 0x00]
        for (upstream, smb1, share) in [(Lab.legacy, true, "Finance"), (Lab.modern, false, "Scratch")] {
            let relay = try TamperRelay(upstream: upstream) { i, m in
                if i == 3, let at = TamperRelay.offset(of: micField, in: m) { m[at + micField.count] ^= 0x01 }
            }
            XCTAssertThrowsError(try logOn(relay.address, smb1: smb1, dialects: [0x0210])) { error in
                guard let e = error as? TreeError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.kind, .integrity, "\(e)")
                XCTAssertEqual(e.tree, "//\(relay.address)/\(share)")
                XCTAssertTrue(e.detail.contains(smb1 ? "mechListMIC does not match" : "signature does not match"), "\(e)")
            }
            XCTAssertEqual(relay.altered, 1, "the server sent a mechListMIC")
            relay.stop()
            usleep(200_000)
        }
    }
}
