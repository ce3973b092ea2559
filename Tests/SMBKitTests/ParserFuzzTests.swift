import MigrateCore
import TreeConformance
import XCTest
@testable import SMBKit

/// Every parser of what a server sends, fed thousands of variants of real messages (the corpus
/// below: what Samba sends, built field by field). A trap ends the test process and fails the
/// suite; a variant must come out as a value or a `TreeError`, never anything else.
final class ParserFuzzTests: XCTestCase {
    func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
    func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xff) } }
    func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(v >> (8 * UInt64($0)) & 0xff) } }

    /// FILE_BOTH_DIRECTORY_INFO records, chained.
    func listing(_ names: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, n) in names.enumerated() {
            let name = WireWriter.utf16(n)
            var r = [UInt8]()
            let length = (94 + name.count + 7) & ~7
            r += u32(i == names.count - 1 ? 0 : length) + u32(i)
            for _ in 0..<4 { r += u64(130_000_000_000_000_000) }
            r += u64(5) + u64(8) + u32(0x20) + u32(name.count) + u32(0)
            r += [12, 0] + [UInt8](repeating: 0, count: 24)
            r += name
            r += [UInt8](repeating: 0, count: length - r.count)
            out += r
        }
        return out
    }

    func testListingRecords() {
        let corpus = [listing([".", "..", "Budget 2011.xlsx", "Übersicht", "a"]), listing(["one"])]
        Fuzz.run(corpus) { data in
            do { try DirectoryRecords.entries(data, in: "Docs", tree: "//fuzz/share") { _, _ in } } catch let e as TreeError {
                XCTAssertEqual(e.tree, "//fuzz/share")
            } catch { XCTFail("not a TreeError: \(error)") }
        }
    }

    func testStreamInformation() {
        var s: [UInt8] = []
        for (i, n) in ["::$DATA", ":Zone.Identifier:$DATA"].enumerated() {
            let name = WireWriter.utf16(n)
            let length = (24 + name.count + 7) & ~7
            var r = u32(i == 1 ? 0 : length) + u32(name.count) + u64(100) + u64(4096) + name
            r += [UInt8](repeating: 0, count: length - r.count)
            s += r
        }
        Fuzz.run([s]) { data in _ = DirectoryRecords.streams(data) }
    }

    /// An NTLM challenge (type 2) with target information, raw and inside SPNEGO's wrapping.
    func testNTLMChallenge() {
        var info: [UInt8] = []
        for (type, value) in [(2, WireWriter.utf16("LEGACY2003")), (1, WireWriter.utf16("LEGACY2003")), (7, u64(133_000_000_000_000_000))] {
            info += u16(type) + u16(value.count) + value
        }
        info += u16(0) + u16(0)
        let name = WireWriter.utf16("LEGACY2003")
        var c = Array("NTLMSSP\0".utf8) + u32(2)
        c += u16(name.count) + u16(name.count) + u32(56)
        c += u32(0xe289_8215) + [1, 2, 3, 4, 5, 6, 7, 8] + [UInt8](repeating: 0, count: 8)
        c += u16(info.count) + u16(info.count) + u32(56 + name.count)
        c += [6, 1, 0, 0, 0, 0, 0, 15]
        c += name + info
        let spnego: [UInt8] = [0xa1, 0x81, UInt8(c.count + 30), 0x30, 0x81, UInt8(c.count + 27), 0xa0, 0x03, 0x0a, 0x01, 0x01,
                               0xa1, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
                               0xa2, 0x81, UInt8(c.count + 3), 0x04, 0x81, UInt8(c.count)] + c
        Fuzz.run([c, spnego]) { blob in
            guard let challenge = NTLMAuthenticator.parseChallenge(blob) else { return }
            XCTAssertEqual(challenge.serverChallenge.count, 8)
            XCTAssertLessThanOrEqual(challenge.targetInfo.count, 16_384)
            _ = NTLMAuthenticator.avTimestamp(challenge.targetInfo)
            // The response is built from it: no trap there either.
            _ = NTLMAuthenticator(user: "migrator", domain: "LEGACY2003", password: "pw").authenticate(challenge)
        }
    }

    /// A server's last logon reply: SPNEGO NegTokenResp with its state and mechListMIC (and a
    /// token), read to check the server's MIC.
    func testSPNEGOResponses() {
        let mic: [UInt8] = [1, 0, 0, 0] + (0..<8).map { UInt8($0) } + [0, 0, 0, 0]
        let security = NTLMSessionSecurity(exportedSessionKey: [UInt8](repeating: 0x55, count: 16), flags: NTLMAuthenticator.flags)
        let corpus = [SPNEGO.response([0xaa, 0xbb], mechListMIC: mic),
                      SPNEGO.tlv(0xa1, SPNEGO.tlv(0x30, SPNEGO.tlv(0xa0, [0x0a, 0x01, 0x00]) + SPNEGO.tlv(0xa3, SPNEGO.tlv(0x04, mic)))),
                      SPNEGO.response([UInt8](repeating: 7, count: 300))]
        Fuzz.run(corpus) { blob in
            guard let r = SPNEGO.parseResponse(blob) else { return }
            if let m = r.mechListMIC { _ = security.serverMICMatches(m, SPNEGO.mechTypes) }
            XCTAssertLessThanOrEqual((r.token ?? []).count, blob.count)
        }
        XCTAssertEqual(SPNEGO.parseResponse(corpus[1]), SPNEGO.Response(state: 0, token: nil, mechListMIC: mic))
    }

    /// A 3.1.1 negotiate reply's contexts (preauthentication integrity, cipher, signing).
    func testNegotiateContexts() {
        var body = u16(65) + u16(1) + u16(0x0311) + u16(3)
        body += [UInt8](repeating: 0xab, count: 16) + u32(0x2f) + u32(65536) + u32(65536) + u32(65536)
        body += u64(0) + u64(0) + u16(128) + u16(0) + u32(0)
        var contexts: [UInt8] = []
        for (type, data) in [(1, u16(1) + u16(32) + u16(1) + [UInt8](repeating: 7, count: 32)), (2, u16(1) + u16(2)), (8, u16(1) + u16(2))] {
            while contexts.count % 8 != 0 { contexts.append(0) }
            contexts += u16(type) + u16(data.count) + u32(0) + data
        }
        let header = [0xfe, 0x53, 0x4d, 0x42] + [UInt8](repeating: 0, count: 60)
        var message = header + body
        let contextOffset = (message.count + 7) & ~7
        message += [UInt8](repeating: 0, count: contextOffset - message.count) + contexts
        message.replaceSubrange(64 + 60..<64 + 64, with: u32(contextOffset))
        XCTAssertEqual(try SMB2Session.negotiateContexts(WireReader(message), tree: "//fuzz").signing, .aesGMAC)
        Fuzz.run([message]) { m in
            do { _ = try SMB2Session.negotiateContexts(WireReader(m), tree: "//fuzz") } catch let e as TreeError { XCTAssertEqual(e.kind, .integrity) } catch { XCTFail("\(error)") }
        }
    }

    /// SMB1 transaction replies reassembled from their parts (TRANS2 and NT_TRANSACT).
    func testTransactionReplies() {
        let params: [UInt8] = [1, 0, 2, 0], data: [UInt8] = Array(repeating: 0x41, count: 40)
        var trans2 = [0xff, 0x53, 0x4d, 0x42] + [UInt8](repeating: 0, count: 28) + [10]
        trans2 += u16(params.count) + u16(data.count) + u16(0) + u16(params.count) + u16(56) + u16(0) + u16(data.count) + u16(60) + u16(0) + [0, 0]
        trans2 += u16(params.count + data.count + 3) + [0, 0, 0] + params + data
        var nt = [0xff, 0x53, 0x4d, 0x42] + [UInt8](repeating: 0, count: 28) + [18] + [0, 0, 0]
        nt += u32(params.count) + u32(data.count) + u32(params.count) + u32(72) + u32(0) + u32(data.count) + u32(76) + u32(0) + [0]
        nt += u16(params.count + data.count) + params + data
        for (seed, isNT) in [(trans2, false), (nt, true)] {
            Fuzz.run([seed]) { m in
                let r = WireReader(m)
                // As the session does: what is announced beyond the limit is refused, never allocated.
                guard SMB1Session.announcedTotal(r, nt: isNT) <= SMB1Session.transactionLimit else { return }
                var reply = SMB1Session.Reply(command: isNT ? 0xa0 : 0x32, status: 0, message: r)
                for _ in 0..<3 where !SMB1Session.gather(r, nt: isNT, into: &reply) {}
            }
        }
    }
}
