import Foundation
import MigrateCore
@testable import SMBKit
import TreeConformance
import XCTest

/// The direct SMB2 sessions against servers and plans that ask for signing or encryption, on
/// every dialect and algorithm Samba offers, and against an on-path relay that changes replies.
final class ProtectedSessionTests: XCTestCase {
    func options(sign: Bool = false, encryption: SMBSessionOptions.Encryption = .auto) -> SMBSessionOptions {
        SMBSessionOptions(encryption: encryption, requireSigning: sign)
    }

    func share(_ host: String, _ name: String, _ o: SMBSessionOptions = .init()) throws -> SMBShare {
        SMBShare(host: host, share: name, context: try SMBContext(credentials: try Lab.credentials(), options: o))
    }

    /// A small file through the session's one-compound put, read back by smbclient (which signs
    /// or encrypts as the server asks) and listed and stat'ed through the same session.
    func roundTrip(_ s: SMB2Session, host: String, share: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = "protected-\(UUID().uuidString.prefix(8))"
        try s.makeDirectory(dir)
        defer { _ = try? Lab.smbclient(host, share, "deltree \(dir)") }
        let data = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let sd = try SecurityDescriptor(sddl: "D:PAI(A;;0x1f01ff;;;SY)(A;;0x1f01ff;;;BA)(A;;0x1f01ff;;;WD)")
        try data.withUnsafeBytes {
            try s.put(.init(path: "\(dir)/f.bin", temporary: "\(dir)/.tmp", data: $0,
                            times: FileTimes(created: Timestamp(seconds: 1_100_000_000), accessed: Timestamp(seconds: 1_200_000_000), modified: Timestamp(seconds: 1_150_000_000)),
                            attributes: [.hidden], securityDescriptor: (sd.preparedForSetting.selfRelative, sd.securityInformation)))
        }
        XCTAssertEqual(try s.stat("\(dir)/f.bin").size, 70_000, file: file, line: line)
        var names: [String] = []
        try s.list(dir, ahead: nil) { names.append(String($0.name)) }
        XCTAssertEqual(names, ["f.bin"], file: file, line: line)
        XCTAssertFalse(try s.securityDescriptor("\(dir)/f.bin", 4).isEmpty, file: file, line: line)
        try s.setMetadata(dir, directory: true, times: FileTimes(modified: Timestamp(seconds: 1_000_000_000)), attributes: [.directory], securityDescriptor: nil)
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("protected-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: local) }
        let out = try Lab.smbclient(host, share, "get \(dir)\\f.bin \(local); allinfo \(dir)\\f.bin")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: local)), Data(data), out, file: file, line: line)
        XCTAssertTrue(out.contains("write_time:     Sun Jun 11 04:26:40 2006 UTC"), out, file: file, line: line)
    }

    func testEachServerAndPlanGetsTheProtectionItAsksFor() throws {
        let cases: [(String, String, SMBSessionOptions, String)] = [
            (Lab.modern, "Scratch", options(), "direct SMB 3.1.1, not signed"),
            (Lab.modern, "Scratch", options(sign: true), "direct SMB 3.1.1, signed AES-128-GMAC"),
            (Lab.signed, "Scratch", options(), "direct SMB 3.1.1, signed AES-128-GMAC"),
            (Lab.modern, "Sealed", options(), "direct SMB 3.1.1, encrypted AES-128-GCM"),
            (Lab.modern, "Scratch", options(encryption: .required), "direct SMB 3.1.1, encrypted AES-128-GCM"),
            (Lab.signed, "Scratch", options(encryption: .desired), "direct SMB 3.1.1, encrypted AES-128-GCM"),
        ]
        for (host, name, o, expected) in cases {
            let s = try SMB2Session(host: host, share: name, credentials: try Lab.credentials(), options: o, displayName: "//\(host)/\(name)")
            XCTAssertEqual(s.summary, expected, "\(host) \(name)")
            try roundTrip(s, host: host, share: name)
            XCTAssertEqual(try share(host, name, o).directSessionSummary, expected, "the share picks the same session")
        }
    }

    /// Each dialect's own algorithms, proven against Samba: 2.1 HMAC-SHA256, 3.0 AES-CMAC,
    /// 3.0.2 AES-128-CCM, 3.1.1 AES-GMAC and AES-GCM.
    func testEveryDialectSignsAndEncryptsAsSambaExpects() throws {
        let cases: [(UInt16, String, String, SMBSessionOptions, String)] = [
            (0x0210, Lab.signed, "Scratch", options(), "direct SMB 2.1, signed HMAC-SHA256"),
            (0x0300, Lab.signed, "Scratch", options(), "direct SMB 3.0, signed AES-128-CMAC"),
            (0x0302, Lab.modern, "Scratch", options(sign: true), "direct SMB 3.0.2, signed AES-128-CMAC"),
            (0x0302, Lab.modern, "Sealed", options(), "direct SMB 3.0.2, encrypted AES-128-CCM"),
            (0x0300, Lab.signed, "Scratch", options(encryption: .required), "direct SMB 3.0, encrypted AES-128-CCM"),
        ]
        for (dialect, host, name, o, expected) in cases {
            let s = try SMB2Session(host: host, share: name, credentials: try Lab.credentials(), options: o, displayName: "//\(host)/\(name)", dialects: [dialect])
            XCTAssertEqual(s.summary, expected)
            try roundTrip(s, host: host, share: name)
        }
        // SMB 2.1 cannot encrypt: a plan that asks for it is refused, never served in clear (and
        // Samba itself refuses a share that requires it).
        XCTAssertThrowsError(try SMB2Session(host: Lab.modern, share: "Scratch", credentials: try Lab.credentials(), options: options(encryption: .required),
                                             displayName: "Scratch", dialects: [0x0210])) {
            XCTAssertEqual(($0 as? TreeError)?.kind, .notSupported, "\($0)")
            XCTAssertTrue("\($0)".contains("SMB 2.1 cannot encrypt"), "\($0)")
        }
        XCTAssertThrowsError(try SMB2Session(host: Lab.modern, share: "Sealed", credentials: try Lab.credentials(), displayName: "Sealed", dialects: [0x0210]))
    }

    // MARK: on-path changes (the relay's frames: 1 negotiate, 2-3 logon, 4 tree connect, 5 the first operation)

    static func isSMB2(_ m: [UInt8]) -> Bool { m.count > 64 && (m[0] == 0xFE || m[0] == 0xFD) && m[1] == 0x53 }

    func listThrough(_ relay: TamperRelay, _ name: String, _ o: SMBSessionOptions = .init()) throws -> Int {
        let s = try share(relay.address, name, o)
        var n = 0
        try s.list("") { _ in n += 1 }
        return n
    }

    func assertIntegrityError(_ body: @autoclosure () throws -> Any, _ phrase: String, tree: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? TreeError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .integrity, "\(e)", file: file, line: line)
            XCTAssertEqual(e.tree, tree, file: file, line: line)
            XCTAssertTrue(e.detail.contains(phrase), "\(e)", file: file, line: line)
        }
    }

    func testTheRelayPassesAnUnchangedSessionThrough() throws {
        let relay = try TamperRelay(upstream: Lab.signed) { _, _ in }
        defer { relay.stop() }
        XCTAssertGreaterThanOrEqual(try listThrough(relay, "Scratch"), 0)
        XCTAssertEqual(try share(relay.address, "Scratch").directSessionSummary, "direct SMB 3.1.1, signed AES-128-GMAC")
    }

    func testOneChangedByteInASignedReplyEndsTheSession() throws {
        let relay = try TamperRelay(upstream: Lab.signed) { i, m in if i == 5 && Self.isSMB2(m) { m[m.count - 1] ^= 0x01 } }
        defer { relay.stop() }
        assertIntegrityError(try listThrough(relay, "Scratch"), "signature does not match", tree: "//\(relay.address)/Scratch")
        XCTAssertEqual(relay.altered, 1)
    }

    func testAReplyWithItsSignatureStrippedIsRefused() throws {
        let relay = try TamperRelay(upstream: Lab.signed) { i, m in
            if i == 5 && Self.isSMB2(m) { m[16] &= ~0x08; for j in 48..<64 { m[j] = 0 } }
        }
        defer { relay.stop() }
        assertIntegrityError(try listThrough(relay, "Scratch"), "unsigned reply on a signed session", tree: "//\(relay.address)/Scratch")
    }

    /// The attacker clears "signing required" in the server's negotiate to make the client skip
    /// signing; SMB 3.1.1's preauthentication hash then differs on both sides and the server's
    /// signed logon reply does not verify.
    func testClearingSigningRequiredInTheNegotiateIsCaught() throws {
        let relay = try TamperRelay(upstream: Lab.signed) { i, m in if i == 1 && Self.isSMB2(m) { m[64 + 2] &= ~0x02 } }
        defer { relay.stop() }
        assertIntegrityError(try listThrough(relay, "Scratch"), "signature does not match", tree: "//\(relay.address)/Scratch")
    }

    /// SMB 3.0 has no preauthentication hash: the attacker clears the server's encryption
    /// capability in the unsigned negotiate, and the signed validate-negotiate that follows the
    /// tree connect shows the change. Unaltered, the same session validates.
    func testAlteringAnSMB30NegotiateIsCaughtByValidateNegotiate() throws {
        let dialects: [UInt16] = [0x0300, 0x0302]
        let honest = try TamperRelay(upstream: Lab.modern) { _, _ in }
        for d in dialects {
            XCTAssertNoThrow(try SMB2Session(host: honest.address, share: "Scratch", credentials: try Lab.credentials(),
                                             displayName: "//\(honest.address)/Scratch", dialects: [d]))
        }
        honest.stop()
        usleep(200_000)   // the stopped relay's accept thread lets go of its socket before the next binds
        let relay = try TamperRelay(upstream: Lab.modern) { i, m in if i == 1 && Self.isSMB2(m) { m[64 + 24] &= ~0x40 } }
        defer { relay.stop() }
        for d in dialects {
            assertIntegrityError(try SMB2Session(host: relay.address, share: "Scratch", credentials: try Lab.credentials(),
                                                 displayName: "//\(relay.address)/Scratch", dialects: [d]),
                                 "validate-negotiate answer differs from its negotiate", tree: "//\(relay.address)/Scratch")
        }
        XCTAssertEqual(relay.altered, 2)
    }

    func testOneChangedByteInAnEncryptedReplyEndsTheSession() throws {
        let relay = try TamperRelay(upstream: Lab.modern) { i, m in if i == 5 && Self.isSMB2(m) { m[m.count - 1] ^= 0x01 } }
        defer { relay.stop() }
        assertIntegrityError(try listThrough(relay, "Sealed"), "failed authentication", tree: "//\(relay.address)/Sealed")
    }

    /// Against a server that does not ask for signing: the plan's `signing: required` is what
    /// catches the change; without it the same change goes unnoticed (what signing is for).
    func testAPlanThatRequiresSigningCatchesWhatAnUnsignedSessionCannot() throws {
        let flip: @Sendable (Int, inout [UInt8]) -> Void = { i, m in if i == 5 && Self.isSMB2(m) { m[m.count - 1] ^= 0x01 } }
        let strict = try TamperRelay(upstream: Lab.modern, alter: flip)
        assertIntegrityError(try listThrough(strict, "Scratch", options(sign: true)), "signature does not match", tree: "//\(strict.address)/Scratch")
        strict.stop()
        let lax = try TamperRelay(upstream: Lab.modern, alter: flip)
        defer { lax.stop() }
        XCTAssertNoThrow(try listThrough(lax, "Scratch"))
        XCTAssertEqual(lax.altered, 1)
    }

    // MARK: SMB1 signing (a 2003 domain controller)

    /// Every file of a seeded share read whole over the signed SMB1 session: the same bytes,
    /// create times, streams and descriptors as LEGACY serves unsigned from the same folder.
    func testTheSMB1SessionSignsWhereTheServerRequiresIt() throws {
        let dc = try share(Lab.legacyDC, "Finance"), plain = try share(Lab.legacy, "Finance")
        XCTAssertGreaterThan(dc.readLimit, 0, "a direct SMB1 session serves the signing server")
        XCTAssertEqual(dc.transportSummary, "direct SMB1 (NT LM 0.12), signed MD5")
        XCTAssertGreaterThan(plain.readLimit, 0)
        XCTAssertEqual(plain.transportSummary, "direct SMB1 (NT LM 0.12), not signed")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        let other = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { buffer.deallocate(); other.deallocate() }
        var files = 0
        try dc.walk(onError: { throw $0 }) { e in
            guard e.kind == .file, e.size < 1 << 20 else { return true }
            let a = try dc.readWhole(e.path, size: e.size, into: buffer, withSecurity: true)
            let b = try plain.readWhole(e.path, size: e.size, into: other, withSecurity: true)
            XCTAssertEqual(a.count, b.count, e.path)
            XCTAssertTrue(memcmp(buffer.baseAddress!, other.baseAddress!, a.count) == 0, e.path)
            XCTAssertEqual(a.created, b.created, e.path); XCTAssertEqual(a.streams, b.streams, e.path)
            XCTAssertEqual(a.securityDescriptor, b.securityDescriptor, e.path)
            files += 1
            return true
        }
        XCTAssertGreaterThan(files, 20)
        dc.settle()
    }

    /// `signing: required` in the plan: the direct SMB1 session signs a server that would not ask.
    func testAPlanThatRequiresSigningSignsTheSMB1Session() throws {
        let s = try share(Lab.legacy, "Finance", options(sign: true))
        XCTAssertGreaterThan(s.readLimit, 0)
        XCTAssertEqual(s.transportSummary, "direct SMB1 (NT LM 0.12), signed MD5")
        var n = 0
        try s.list("") { _ in n += 1 }
        XCTAssertGreaterThan(n, 0)
        // SMB1 cannot encrypt: such a plan is never served by the direct session.
        let sealed = try share(Lab.legacy, "Finance", options(encryption: .required))
        XCTAssertEqual(sealed.readLimit, 0)
    }

    static func isSMB1(_ m: [UInt8]) -> Bool { m.count > 32 && m[0] == 0xFF && m[1] == 0x53 }

    func testOneChangedByteInASignedSMB1ReplyEndsTheSession() throws {
        let relay = try TamperRelay(upstream: Lab.legacyDC) { i, m in if i == 5 && Self.isSMB1(m) { m[m.count - 1] ^= 0x01 } }
        defer { relay.stop() }
        assertIntegrityError(try listThrough(relay, "Finance"), "SMB1 (MD5) signature does not match", tree: "//\(relay.address)/Finance")
        XCTAssertEqual(relay.altered, 1)
    }

    func testAnSMB1ReplyWithItsSignatureStrippedIsRefused() throws {
        let relay = try TamperRelay(upstream: Lab.legacyDC) { i, m in
            if i == 5 && Self.isSMB1(m) { m[10] &= ~0x04; for j in 14..<22 { m[j] = 0 } }
        }
        defer { relay.stop() }
        assertIntegrityError(try listThrough(relay, "Finance"), "unsigned reply on a signed SMB1 session", tree: "//\(relay.address)/Finance")
    }

    func testTheSMB1RelayPassesAnUnchangedSessionThrough() throws {
        let relay = try TamperRelay(upstream: Lab.legacyDC) { _, _ in }
        defer { relay.stop() }
        XCTAssertGreaterThan(try listThrough(relay, "Finance"), 0)
    }
}
