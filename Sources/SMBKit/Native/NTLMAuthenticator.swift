import Glibc

/// NTLMv2 logon messages (MS-NLMP), wrapped in SPNEGO as SMB session setup carries them, and
/// the session key both sides then share (with key exchange: a random key sent under RC4),
/// from which SMB signing and encryption keys are derived.
struct NTLMAuthenticator {
    let user: String
    let domain: String
    let password: String
    /// Injected by tests (MS-NLMP 4.2.4 known answers); random otherwise.
    var clientChallenge: [UInt8] = Digest.random(8)
    /// The session key sent to the server under key exchange (MS-NLMP 3.1.5.1.2).
    var exportedSessionKey: [UInt8] = Digest.random(16)
    var now: () -> UInt64 = { NTLMAuthenticator.currentFiletime() }

    init(user: String, domain: String, password: String) {
        self.user = user; self.domain = domain; self.password = password
    }

    /// `DOMAIN\user` in the user name wins over the separate domain.
    init(_ c: SMBCredentials) {
        if let slash = c.user.firstIndex(of: "\\") {
            self.init(user: String(c.user[c.user.index(after: slash)...]), domain: String(c.user[..<slash]), password: c.password)
        } else {
            self.init(user: c.user, domain: c.domain, password: c.password)
        }
    }

    /// Unicode, request target, sign, NTLM, always sign, extended session security, target
    /// info, 128-bit, key exchange, 56-bit.
    static let flags: UInt32 = 0x0000_0001 | 0x0000_0004 | 0x0000_0010 | 0x0000_0200 | 0x0000_8000 | 0x0008_0000 | 0x0080_0000
        | 0x2000_0000 | keyExchangeFlag | 0x8000_0000
    static let keyExchangeFlag: UInt32 = 0x4000_0000
    static let signature: [UInt8] = Array("NTLMSSP".utf8) + [0]

    /// Type 1: what the client can do.
    func negotiateMessage() -> [UInt8] {
        var w = WireWriter()
        w.raw(Self.signature); w.u32(1); w.u32(Self.flags)
        w.zeros(16) // no domain or workstation supplied
        return w.bytes
    }

    struct Challenge {
        var serverChallenge: [UInt8]
        var targetInfo: [UInt8]
        var flags: UInt32
    }

    /// Type 2, found inside whatever wraps it (SPNEGO or raw).
    static func parseChallenge(_ blob: [UInt8]) -> Challenge? {
        guard let start = find(signature, in: blob) else { return nil }
        let r = WireReader(blob[start...])
        guard r.u32(8) == 2 else { return nil }
        let infoLength = Int(r.u16(40)), infoOffset = Int(r.u32(44))
        let challenge = r.slice(24, 8)
        // Target information is a few names and a timestamp; more than 16 KiB is no real
        // server's (and would not fit the response's 16-bit length).
        guard challenge.count == 8, infoLength <= 16_384 else { return nil }
        return Challenge(serverChallenge: challenge, targetInfo: r.slice(infoOffset, infoLength), flags: r.u32(20))
    }

    /// NTOWFv2: HMAC-MD5 keyed with MD4(password) over UPPER(user) + domain, all UTF-16LE.
    func responseKey() -> [UInt8] {
        Digest.hmacMD5(key: Digest.md4(WireWriter.utf16(password)), WireWriter.utf16(user.uppercased() + domain))
    }

    /// The NTLMv2 response: NTProofStr followed by the blob it proves.
    func ntResponse(_ c: Challenge) -> [UInt8] {
        let time = Self.avTimestamp(c.targetInfo) ?? now()
        var blob = WireWriter()
        blob.raw([1, 1]); blob.zeros(6); blob.u64(time); blob.raw(clientChallenge); blob.zeros(4)
        blob.raw(c.targetInfo); blob.zeros(4)
        let proof = Digest.hmacMD5(key: responseKey(), c.serverChallenge + blob.bytes)
        return proof + blob.bytes
    }

    /// Type 3: the proof, with user and domain names.
    func authenticateMessage(_ c: Challenge) -> [UInt8] { authenticate(c).message }

    /// Type 3 and the session key it establishes: the session base key, HMAC-MD5 keyed with
    /// the response key over NTProofStr (MS-NLMP 3.3.2); under key exchange the exported key,
    /// which travels encrypted with RC4 keyed by the base key.
    func authenticate(_ c: Challenge) -> (message: [UInt8], sessionKey: [UInt8]) {
        let nt = ntResponse(c)
        let baseKey = Digest.hmacMD5(key: responseKey(), Array(nt.prefix(16)))
        let negotiated = Self.flags & c.flags | 0x0000_0001
        let exchange = negotiated & Self.keyExchangeFlag != 0
        let encryptedKey = exchange ? Digest.rc4(key: baseKey, exportedSessionKey) : []
        // LMv2 stays all zeros when the server sent a timestamp (MS-NLMP 3.1.5.1.2).
        let lm = Self.avTimestamp(c.targetInfo) != nil ? [UInt8](repeating: 0, count: 24)
            : Digest.hmacMD5(key: responseKey(), c.serverChallenge + clientChallenge) + clientChallenge
        let fields: [[UInt8]] = [lm, nt, WireWriter.utf16(domain), WireWriter.utf16(user), [], encryptedKey]
        var w = WireWriter()
        w.raw(Self.signature); w.u32(3)
        var offset = 12 + 8 * fields.count + 4
        for f in fields {
            w.u16(UInt16(f.count)); w.u16(UInt16(f.count)); w.u32(UInt32(offset))
            offset += f.count
        }
        w.u32(negotiated)
        for f in fields { w.raw(f) }
        return (w.bytes, exchange ? exportedSessionKey : baseKey)
    }

    /// The server's clock from the challenge's target information (MsvAvTimestamp), if given.
    static func avTimestamp(_ info: [UInt8]) -> UInt64? {
        let r = WireReader(info)
        var o = 0
        while o + 4 <= info.count {
            let id = r.u16(o), len = Int(r.u16(o + 2))
            if id == 0 { break }
            if id == 7 && len == 8 { return r.u64(o + 4) }
            o += 4 + len
        }
        return nil
    }

    static func currentFiletime() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 10_000_000 + UInt64(ts.tv_nsec / 100) + 116_444_736_000_000_000
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<i + needle.count]) == needle { return i }
        return nil
    }
}

/// The few DER shapes of SPNEGO (RFC 4178) a client logon needs.
enum SPNEGO {
    static let spnegoOID: [UInt8] = [0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]
    static let ntlmOID: [UInt8] = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]

    /// NegTokenInit offering NTLMSSP, carrying its first message.
    static func initial(_ token: [UInt8]) -> [UInt8] {
        let mechTypes = tlv(0xa0, tlv(0x30, ntlmOID))
        let mechToken = tlv(0xa2, tlv(0x04, token))
        return tlv(0x60, spnegoOID + tlv(0xa0, tlv(0x30, mechTypes + mechToken)))
    }

    /// NegTokenResp carrying the next message.
    static func response(_ token: [UInt8]) -> [UInt8] {
        tlv(0xa1, tlv(0x30, tlv(0xa2, tlv(0x04, token))))
    }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let n = content.count
        let length: [UInt8] = n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : n < 0x10000 ? [0x82, UInt8(n >> 8), UInt8(n & 0xff)]
            : [0x83, UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
        return [tag] + length + content
    }
}
