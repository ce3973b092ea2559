import XCTest
@testable import SMBKit

/// Known answers: RFC 1320/1321/2202 test vectors and MS-NLMP 4.2.4 (NTLMv2).
final class NTLMTests: XCTestCase {
    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
    func bytes(_ h: String) -> [UInt8] {
        var out: [UInt8] = []; var i = h.startIndex
        while i < h.endIndex { let j = h.index(i, offsetBy: 2); out.append(UInt8(h[i..<j], radix: 16)!); i = j }
        return out
    }

    func testDigests() {
        XCTAssertEqual(hex(Digest.md4(Array("abc".utf8))), "a448017aaf21d8525fc10ae87aa6729d")
        XCTAssertEqual(hex(Digest.md4(Array(String(repeating: "1234567890", count: 8).utf8))), "e33b4ddc9c38f2199c3e7b164fcc0536")
        XCTAssertEqual(hex(Digest.md5([])), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(hex(Digest.md5(Array(String(repeating: "1234567890", count: 8).utf8))), "57edf4a22be3c955ac49da2e2107b67a")
        XCTAssertEqual(hex(Digest.hmacMD5(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))),
                       "750c783e6ab0b503eaa86e310a5db738")
        XCTAssertEqual(hex(Digest.hmacMD5(key: [UInt8](repeating: 0xaa, count: 80),
                                          Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
                       "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd")
    }

    /// MS-NLMP 4.2.4: User/Domain/Password, the given challenges, time 0.
    func testNTLMv2KnownAnswers() {
        var a = NTLMAuthenticator(user: "User", domain: "Domain", password: "Password")
        a.clientChallenge = [UInt8](repeating: 0xaa, count: 8)
        a.now = { 0 }
        XCTAssertEqual(hex(a.responseKey()), "0c868a403bfd7a93a3001ef22ef02e3f")
        let info = bytes("02000c0044006f006d00610069006e0001000c005300650072007600650072000000" + "0000")
        let c = NTLMAuthenticator.Challenge(serverChallenge: bytes("0123456789abcdef"), targetInfo: info, flags: NTLMAuthenticator.flags)
        XCTAssertEqual(hex(Array(a.ntResponse(c).prefix(16))), "68cd0ab851e51c96aabc927bebef6a1c")
        // Without a server timestamp, LMv2 is sent (MS-NLMP 4.2.4.2.1).
        let message = a.authenticateMessage(c)
        let r = WireReader(message)
        XCTAssertEqual(hex(r.slice(Int(r.u32(16)), Int(r.u16(12)))), "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa")
        XCTAssertEqual(String(decoding: r.slice(Int(r.u32(40)), Int(r.u16(36))).enumerated().filter { $0.offset % 2 == 0 }.map { $0.element }, as: UTF8.self), "User")
    }

    func testChallengeIsFoundInsideSPNEGO() {
        var w = WireWriter()
        w.raw(NTLMAuthenticator.signature); w.u32(2); w.zeros(8); w.u32(NTLMAuthenticator.flags)
        w.raw([1, 2, 3, 4, 5, 6, 7, 8]); w.zeros(8)
        w.u16(4); w.u16(4); w.u32(48); w.zeros(0); w.raw([0, 0, 0, 0])
        let wrapped = SPNEGO.response(w.bytes)
        let c = NTLMAuthenticator.parseChallenge(wrapped)
        XCTAssertEqual(c?.serverChallenge, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(c?.targetInfo, [0, 0, 0, 0])
        XCTAssertNil(NTLMAuthenticator.parseChallenge([1, 2, 3]))
    }
}
