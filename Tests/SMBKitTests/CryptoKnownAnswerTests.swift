import XCTest
@testable import SMBKit

/// Known answers for every algorithm the direct sessions use, all computed by OpenSSL: RFC 4231
/// (HMAC-SHA256), FIPS 180-2 (SHA-512), RFC 4493 (AES-CMAC), the GCM specification's test cases
/// (AES-GCM, GMAC), MS-NLMP 4.2.4 (NTLMv2 session key and key exchange), and SMB transform
/// headers and SP800-108 keys as two independent implementations compute them (smbprotocol's
/// test suite; Python cryptography's KBKDFHMAC).
final class CryptoKnownAnswerTests: XCTestCase {
    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
    func bytes(_ h: String) -> [UInt8] {
        let h = h.replacingOccurrences(of: " ", with: "")
        var out: [UInt8] = []; var i = h.startIndex
        while i < h.endIndex { let j = h.index(i, offsetBy: 2); out.append(UInt8(h[i..<j], radix: 16)!); i = j }
        return out
    }

    func testHMACSHA256AndSHA512() {
        XCTAssertEqual(hex(Digest.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(hex(Digest.sha512(Array("abc".utf8))),
                       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        // Session signing for SMB 2.x: HMAC-SHA256 cut to 16 bytes.
        XCTAssertEqual(hex(MessageMAC(.hmacSHA256, key: Array("Jefe".utf8)).code(Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c7")
    }

    func testAESCMACRFC4493() {
        let mac = MessageMAC(.aesCMAC, key: bytes("2b7e151628aed2a6abf7158809cf4f3c"))
        let m = bytes("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710")
        XCTAssertEqual(hex(mac.code([UInt8]())), "bb1d6929e95937287fa37d129b756746")
        XCTAssertEqual(hex(mac.code(Array(m.prefix(16)))), "070a16b46b4d4144f79bdd9dd04a287c")
        XCTAssertEqual(hex(mac.code(Array(m.prefix(40)))), "dfa66747de9ae63030ca32611497c827")
        XCTAssertEqual(hex(mac.code(m)), "51f0bebf7e3b9d92fc49741779363cfe")
        // The same key again (the context is reused per message), and in pieces as a reply is checked.
        let pieces = m.withUnsafeBytes { all in
            mac.code([UnsafeRawBufferPointer(rebasing: all[0..<7]), UnsafeRawBufferPointer(rebasing: all[7..<33]), UnsafeRawBufferPointer(rebasing: all[33...])])
        }
        XCTAssertEqual(hex(pieces), "51f0bebf7e3b9d92fc49741779363cfe")
    }

    func testAESGCMAndGMAC() {
        // GCM test case 1: zero key and nonce, nothing to encrypt or authenticate.
        XCTAssertEqual(hex(MessageMAC(.aesGMAC, key: [UInt8](repeating: 0, count: 16)).code([UInt8](), nonce: [UInt8](repeating: 0, count: 12))),
                       "58e2fccefa7e3061367f1d57a4e7455a")
        // GCM test case 4: 60 bytes with 20 bytes authenticated.
        let key = bytes("feffe9928665731c6d6a8f9467308308"), nonce = bytes("cafebabefacedbaddecaf888")
        let plain = bytes("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let aad = bytes("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        var data = plain
        let tag = data.withUnsafeMutableBytes { d in aad.withUnsafeBytes { a in SealingCipher(.aes128GCM, key: key, sealing: true).seal(d, aad: a, nonce: nonce) } }
        XCTAssertEqual(hex(data), "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091")
        XCTAssertEqual(hex(tag), "5bc94fbc3221a5db94fae95ae7121a47")
        let opener = SealingCipher(.aes128GCM, key: key, sealing: false)
        var back = data
        XCTAssertTrue(back.withUnsafeMutableBytes { d in aad.withUnsafeBytes { a in opener.open(d, aad: a, nonce: nonce, tag: tag) } })
        XCTAssertEqual(back, plain)
        var altered = data
        altered[10] ^= 1
        XCTAssertFalse(altered.withUnsafeMutableBytes { d in aad.withUnsafeBytes { a in opener.open(d, aad: a, nonce: nonce, tag: tag) } })
    }

    /// SMB2 transform headers over the message 01 02 03 04, session 1, an all-ones nonce and key.
    func testTransformHeadersForEveryCipher() {
        let cases: [(SealingCipher.Algorithm, String, String)] = [
            (.aes128CCM, "c8730c9ba7e59f1cfd3751a195f2b3ac", "2191e30e"),
            (.aes256CCM, "3efb4797518aab05c548a7fc2074f593", "2f5841d7"),
            (.aes128GCM, "39d83234d753d08ec0fcbe33015f19bd", "da265733"),
            (.aes256GCM, "45e5b723052ecad01eefad6f0487e32d", "bc39bd81"),
        ]
        for (algorithm, signature, data) in cases {
            let key = [UInt8](repeating: 0xff, count: algorithm.keyBits / 8)
            let nonce = [UInt8](repeating: 0xff, count: algorithm.nonceLength)
            let t = SMB2Protection.transform([1, 2, 3, 4], sessionId: 1, nonce: nonce, SealingCipher(algorithm, key: key, sealing: true))
            XCTAssertEqual(hex(Array(t[0..<4])), "fd534d42", algorithm.name)
            XCTAssertEqual(hex(Array(t[4..<20])), signature, algorithm.name)
            XCTAssertEqual(hex(Array(t[20..<36])), hex(nonce + [UInt8](repeating: 0, count: 16 - nonce.count)), algorithm.name)
            XCTAssertEqual(hex(Array(t[36..<52])), "04000000" + "0000" + "0100" + "0100000000000000", algorithm.name)
            XCTAssertEqual(hex(Array(t[52...])), data, algorithm.name)
        }
    }

    func testSMB3KeyDerivation() {
        let key = Array(0..<16 as Range<UInt8>)
        XCTAssertEqual(hex(KeyDerivation.smb3(key, label: Array("SMB2AESCMAC".utf8) + [0], context: Array("SmbSign".utf8) + [0])),
                       "6234814cbb8ea9227440ebfeb5eacbe1")
        XCTAssertEqual(hex(KeyDerivation.smb3(key, label: Array("SMBC2SCipherKey".utf8) + [0], context: [UInt8](repeating: 0, count: 64), bits: 256)),
                       "4d8a350edd83d0132cd9dfdf4724ecb1736e414aef726195379dafd31f1c0272")
    }

    /// MS-NLMP 4.2.4.1.4 and 4.2.4.2.2: the NTLMv2 session base key, and key exchange with the
    /// random session key 55..55 (RC4 under the base key).
    func testNTLMv2SessionKeyAndKeyExchange() {
        var a = NTLMAuthenticator(user: "User", domain: "Domain", password: "Password")
        a.clientChallenge = [UInt8](repeating: 0xaa, count: 8)
        a.exportedSessionKey = [UInt8](repeating: 0x55, count: 16)
        a.now = { 0 }
        let info = bytes("02000c0044006f006d00610069006e0001000c005300650072007600650072000000" + "0000")
        let c = NTLMAuthenticator.Challenge(serverChallenge: bytes("0123456789abcdef"), targetInfo: info, flags: NTLMAuthenticator.flags)
        let nt = a.ntResponse(c)
        XCTAssertEqual(hex(Digest.hmacMD5(key: a.responseKey(), Array(nt.prefix(16)))), "8de40ccadbc14a82f15cb0ad0de95ca3")
        let (message, key) = a.authenticate(c)
        XCTAssertEqual(key, a.exportedSessionKey)
        let r = WireReader(message)
        XCTAssertEqual(hex(r.slice(Int(r.u32(56)), Int(r.u16(52)))), "c5dad2544fc9799094ce1ce90bc9d03e", "EncryptedRandomSessionKey")
        XCTAssertEqual(hex(Digest.rc4(key: Array("Key".utf8), Array("Plaintext".utf8))), "bbf316e8d940af0ad3")
        // A server that does not take key exchange: the base key itself, nothing sent.
        let plain = NTLMAuthenticator.Challenge(serverChallenge: c.serverChallenge, targetInfo: info, flags: NTLMAuthenticator.flags & ~NTLMAuthenticator.keyExchangeFlag)
        let (m2, k2) = a.authenticate(plain)
        XCTAssertEqual(hex(k2), "8de40ccadbc14a82f15cb0ad0de95ca3")
        XCTAssertEqual(WireReader(m2).u16(52), 0)
    }

    /// A signed message verifies; one changed byte, a request's signature offered as a reply's
    /// (GMAC's nonce says which way it went), or another key does not.
    func testSignaturesCatchEveryChange() {
        for algorithm in [MessageMAC.Algorithm.hmacSHA256, .aesCMAC, .aesGMAC] {
            let dialect: UInt16 = algorithm == .hmacSHA256 ? 0x0210 : algorithm == .aesCMAC ? 0x0302 : 0x0311
            let p = SMB2Protection(dialect: dialect, sessionKey: Array(0..<16), preauthHash: [UInt8](repeating: 7, count: 64), signing: algorithm, cipher: nil)
            XCTAssertEqual(p.signer.algorithm, algorithm)
            var m: [UInt8] = [0xFE, 0x53, 0x4D, 0x42, 64, 0] + [UInt8](repeating: 0, count: 58) + Array("a reply body".utf8)
            m[24] = 9 // message id
            p.sign(&m, 0..<m.count)
            XCTAssertEqual(m[16] & 0x08, 0x08)
            if algorithm == .aesGMAC {
                XCTAssertFalse(p.verify(m[...], 0..<m.count), "a request's GMAC must not pass as a reply's")
                var reply = m
                for i in 48..<64 { reply[i] = 0 }
                // Sign as the server would: its nonce marks server-to-client.
                let nonce = Array(reply[24..<32]) + [1, 0, 0, 0]
                let code = reply.withUnsafeBytes { p.signer.code([$0], nonce: nonce) }
                reply.replaceSubrange(48..<64, with: code)
                XCTAssertTrue(p.verify(reply[...], 0..<reply.count))
                m = reply
            } else {
                XCTAssertTrue(p.verify(m[...], 0..<m.count))
            }
            for i in [0, 20, 47, 48, 63, 64, m.count - 1] {
                var altered = m
                altered[i] ^= 0x01
                XCTAssertFalse(p.verify(altered[...], 0..<altered.count), "\(algorithm.name): byte \(i) changed")
            }
            let other = SMB2Protection(dialect: dialect, sessionKey: Array(1..<17), preauthHash: [UInt8](repeating: 7, count: 64), signing: algorithm, cipher: nil)
            XCTAssertFalse(other.verify(m[...], 0..<m.count))
        }
    }

    /// MS-NLMP 4.2.4.4 (NTLMv2, random session key 55..55, 128-bit, key exchange): the
    /// client's signing and sealing keys, the checksum, and RC4 over the sealed plaintext then
    /// the checksum (a GetMIC alone starts from a fresh RC4 handle).
    func testNTLMMessageSignatureKnownAnswers() {
        let s = NTLMSessionSecurity(exportedSessionKey: [UInt8](repeating: 0x55, count: 16), flags: NTLMAuthenticator.flags)
        XCTAssertEqual(hex(s.clientSealingKey), "59f600973cc4960a25480a7c196e4c58")
        XCTAssertEqual(hex(s.clientSigningKey), "4788dc861b4782f35d43fd98fe1a2d39")
        let plaintext = bytes("50006c00610069006e007400650078007400")
        let checksum = Array(Digest.hmacMD5(key: s.clientSigningKey, [0, 0, 0, 0] + plaintext).prefix(8))
        XCTAssertEqual(hex(checksum), "70352851f2564309")
        XCTAssertEqual(hex(Digest.rc4(key: s.clientSealingKey, plaintext + checksum)), "54e50165bf1936dc996020c1811b0f06fb5f" + "7fb38ec5c55d4976")
        // The signature a GetMIC sends: version 1, checksum under a fresh RC4 handle, sequence 0.
        let mic = s.clientMIC(plaintext)
        XCTAssertEqual(hex(mic), "01000000" + hex(Digest.rc4(key: s.clientSealingKey, checksum)) + "00000000")
        // The server's keys are the other direction's: its MIC is not the client's, and one
        // changed byte fails the check.
        var server = NTLMSessionSecurity.signature(plaintext, signingKey: s.serverSigningKey, sealingKey: s.serverSealingKey, keyExchange: true)
        XCTAssertTrue(s.serverMICMatches(server, plaintext))
        XCTAssertFalse(s.serverMICMatches(mic, plaintext))
        server[5] ^= 1
        XCTAssertFalse(s.serverMICMatches(server, plaintext))
    }

    /// The AUTHENTICATE message's MIC: HMAC-MD5 under the exported session key over negotiate,
    /// challenge and the message with its MIC zeroed; MsvAvFlags, channel bindings and the
    /// target name join the server's pairs, before its end of list.
    func testTheAuthenticateMessageCarriesAMICOverAllThreeMessages() {
        var a = NTLMAuthenticator(user: "User", domain: "Domain", password: "Password")
        a.exportedSessionKey = [UInt8](repeating: 0x55, count: 16)
        a.targetName = "cifs/fs01"
        // The server's pairs with a timestamp (id 7): a modern server, so a MIC is owed.
        let info = bytes("02000c0044006f006d00610069006e0001000c00530065007200760065007200" + "07000800" + "0090d336b734c301" + "00000000")
        var challenge = WireWriter()
        challenge.raw(NTLMAuthenticator.signature); challenge.u32(2); challenge.u16(0); challenge.u16(0); challenge.u32(56)
        challenge.u32(NTLMAuthenticator.flags); challenge.raw(bytes("0123456789abcdef")); challenge.zeros(8)
        challenge.u16(UInt16(info.count)); challenge.u16(UInt16(info.count)); challenge.u32(56); challenge.raw(NTLMAuthenticator.version)
        challenge.raw(info)
        let c = NTLMAuthenticator.parseChallenge(SPNEGO.response(challenge.bytes))!
        XCTAssertEqual(c.message, challenge.bytes, "the challenge exactly as sent, out of its SPNEGO wrapping")
        let (message, key) = a.authenticate(c)
        var zeroed = message
        zeroed.replaceSubrange(72..<88, with: [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(Array(message[72..<88]), Digest.hmacMD5(key: key, a.negotiateMessage() + challenge.bytes + zeroed))
        let r = WireReader(message)
        let nt = r.slice(Int(r.u32(24)), Int(r.u16(20)))
        let sent = Array(nt[(16 + 28)...].dropLast(4))
        XCTAssertEqual(sent, Array(info.dropLast(4)) + bytes("060004000200000" + "0") + bytes("0a001000") + [UInt8](repeating: 0, count: 16)
                       + bytes("09001200") + WireWriter.utf16("cifs/fs01") + [0, 0, 0, 0])
        // A server without a clock (Windows 2003 and older) gets its own pairs back and no MIC.
        let old = NTLMAuthenticator.Challenge(serverChallenge: c.serverChallenge, targetInfo: Array(info.prefix(32)) + [0, 0, 0, 0], flags: c.flags)
        XCTAssertEqual(Array(a.authenticate(old).message[72..<88]), [UInt8](repeating: 0, count: 16))
        XCTAssertNil(NTLMLogon(a, old).security)
        XCTAssertNotNil(NTLMLogon(a, c).security)
    }
}
