import Glibc

/// NTLMv2 logon messages (MS-NLMP), wrapped in SPNEGO as SMB session setup carries them, and
/// the session key both sides then share (with key exchange: a random key sent under RC4),
/// from which SMB signing and encryption keys are derived. Against a server that sends its
/// clock (every one since Windows Vista and Samba), the response names the service it is meant
/// for (`cifs/host`) and carries a MIC over all three messages, so neither a relay to another
/// service nor an edit of the negotiation on the way goes unnoticed.
struct NTLMAuthenticator {
    let user: String
    let domain: String
    let password: String
    /// Injected by tests (MS-NLMP 4.2.4 known answers); random otherwise.
    var clientChallenge: [UInt8] = Digest.random(8)
    /// The session key sent to the server under key exchange (MS-NLMP 3.1.5.1.2).
    var exportedSessionKey: [UInt8] = Digest.random(16)
    var now: () -> UInt64 = { NTLMAuthenticator.currentFiletime() }
    /// The service principal the response is for (MsvAvTargetName), e.g. `cifs/fs01`.
    var targetName = ""

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
    /// info, version, 128-bit, key exchange, 56-bit.
    static let flags: UInt32 = 0x0000_0001 | 0x0000_0004 | 0x0000_0010 | 0x0000_0200 | 0x0000_8000 | 0x0008_0000 | 0x0080_0000
        | 0x0200_0000 | 0x2000_0000 | keyExchangeFlag | 0x8000_0000
    static let keyExchangeFlag: UInt32 = 0x4000_0000
    static let signature: [UInt8] = Array("NTLMSSP".utf8) + [0]
    /// The VERSION structure (informational only, MS-NLMP 2.2.2.10): 6.1 build 7601, NTLM revision 15.
    static let version: [UInt8] = [6, 1, 0xb1, 0x1d, 0, 0, 0, 15]

    /// Type 1: what the client can do.
    func negotiateMessage() -> [UInt8] {
        var w = WireWriter()
        w.raw(Self.signature); w.u32(1); w.u32(Self.flags)
        w.zeros(16) // no domain or workstation supplied
        w.raw(Self.version)
        return w.bytes
    }

    struct Challenge {
        var serverChallenge: [UInt8]
        var targetInfo: [UInt8]
        var flags: UInt32
        /// The whole message as the server sent it: the MIC covers it.
        var message: [UInt8] = []
    }

    /// Type 2, raw or as the token of a SPNEGO NegTokenResp.
    static func parseChallenge(_ blob: [UInt8]) -> Challenge? {
        let message = blob.starts(with: signature) ? blob : SPNEGO.parseResponse(blob)?.token ?? []
        let r = WireReader(message)
        guard message.starts(with: signature), r.u32(8) == 2 else { return nil }
        let infoLength = Int(r.u16(40)), infoOffset = Int(r.u32(44))
        let challenge = r.slice(24, 8)
        // Target information is a few names and a timestamp; more than 16 KiB is no real
        // server's (and would not fit the response's 16-bit length).
        guard challenge.count == 8, infoLength <= 16_384 else { return nil }
        return Challenge(serverChallenge: challenge, targetInfo: r.slice(infoOffset, infoLength), flags: r.u32(20), message: message)
    }

    /// NTOWFv2: HMAC-MD5 keyed with MD4(password) over UPPER(user) + domain, all UTF-16LE.
    func responseKey() -> [UInt8] {
        Digest.hmacMD5(key: Digest.md4(WireWriter.utf16(password)), WireWriter.utf16(user.uppercased() + domain))
    }

    /// The NTLMv2 response: NTProofStr followed by the blob it proves, which carries `info`
    /// (the server's target information, or the client's version of it).
    func ntResponse(_ c: Challenge, info: [UInt8]? = nil) -> [UInt8] {
        let time = Self.avTimestamp(c.targetInfo) ?? now()
        var blob = WireWriter()
        blob.raw([1, 1]); blob.zeros(6); blob.u64(time); blob.raw(clientChallenge); blob.zeros(4)
        blob.raw(info ?? c.targetInfo); blob.zeros(4)
        let proof = Digest.hmacMD5(key: responseKey(), c.serverChallenge + blob.bytes)
        return proof + blob.bytes
    }

    /// Type 3: the proof, with user and domain names.
    func authenticateMessage(_ c: Challenge) -> [UInt8] { authenticate(c).message }

    /// Whether the logon carries a MIC (and so owes SPNEGO's mechListMIC): the server sent its
    /// clock, as every server that checks one does (MS-NLMP 3.1.5.1.2).
    static func carriesMIC(_ c: Challenge) -> Bool { avTimestamp(c.targetInfo) != nil }

    /// Type 3 and the session key it establishes: the session base key, HMAC-MD5 keyed with
    /// the response key over NTProofStr (MS-NLMP 3.3.2); under key exchange the exported key,
    /// which travels encrypted with RC4 keyed by the base key. With a MIC: HMAC-MD5 keyed with
    /// the exported key over negotiate, challenge and this message (its MIC zero), at offset 72.
    func authenticate(_ c: Challenge) -> (message: [UInt8], sessionKey: [UInt8]) {
        let mic = Self.carriesMIC(c)
        let nt = ntResponse(c, info: mic ? clientTargetInfo(c.targetInfo) : c.targetInfo)
        let baseKey = Digest.hmacMD5(key: responseKey(), Array(nt.prefix(16)))
        let negotiated = Self.flags & c.flags | 0x0000_0001
        let exchange = negotiated & Self.keyExchangeFlag != 0
        let encryptedKey = exchange ? Digest.rc4(key: baseKey, exportedSessionKey) : []
        // LMv2 stays all zeros when the server sent a timestamp (MS-NLMP 3.1.5.1.2).
        let lm = mic ? [UInt8](repeating: 0, count: 24)
            : Digest.hmacMD5(key: responseKey(), c.serverChallenge + clientChallenge) + clientChallenge
        let fields: [[UInt8]] = [lm, nt, WireWriter.utf16(domain), WireWriter.utf16(user), [], encryptedKey]
        var w = WireWriter()
        w.raw(Self.signature); w.u32(3)
        var offset = 12 + 8 * fields.count + 4 + Self.version.count + 16
        for f in fields {
            w.u16(UInt16(f.count)); w.u16(UInt16(f.count)); w.u32(UInt32(offset))
            offset += f.count
        }
        w.u32(negotiated)
        w.raw(Self.version)
        w.zeros(16) // the MIC, filled in below
        for f in fields { w.raw(f) }
        var message = w.bytes
        let sessionKey = exchange ? exportedSessionKey : baseKey
        if mic {
            let code = Digest.hmacMD5(key: sessionKey, negotiateMessage() + c.message + message)
            message.replaceSubrange(Self.micOffset..<Self.micOffset + 16, with: code)
        }
        return (message, sessionKey)
    }

    static let micOffset = 72

    /// The server's target information as the client sends it back: the server's pairs, then
    /// MsvAvFlags (a MIC is present), MsvAvChannelBindings (none: SMB runs on no TLS channel, so
    /// all zeros, as Windows sends), MsvAvTargetName, end of list (MS-NLMP 2.2.2.1, 3.1.5.1.2).
    func clientTargetInfo(_ info: [UInt8]) -> [UInt8] {
        let r = WireReader(info)
        var w = WireWriter()
        var o = 0
        while o + 4 <= info.count {
            let id = r.u16(o), len = Int(r.u16(o + 2))
            guard id != 0, o + 4 + len <= info.count else { break }
            if id != 6 && id != 9 && id != 10 { w.raw(r.slice(o, 4 + len)) }
            o += 4 + len
        }
        w.u16(6); w.u16(4); w.u32(0x2)
        w.u16(10); w.u16(16); w.zeros(16)
        if !targetName.isEmpty {
            let name = WireWriter.utf16(String(targetName.prefix(256)))
            w.u16(9); w.u16(UInt16(name.count)); w.raw(name)
        }
        w.u16(0); w.u16(0)
        return w.bytes
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
}

/// One NTLM logon over SPNEGO as both SMB dialects run it: the NegTokenResp to send (with the
/// mechListMIC when the response carries a MIC), the session key, and the check of the
/// server's own mechListMIC in its last reply.
struct NTLMLogon {
    let token: [UInt8]
    let sessionKey: [UInt8]
    let security: NTLMSessionSecurity?

    init(_ ntlm: NTLMAuthenticator, _ challenge: NTLMAuthenticator.Challenge) {
        let (message, key) = ntlm.authenticate(challenge)
        sessionKey = key
        if NTLMAuthenticator.carriesMIC(challenge) {
            let s = NTLMSessionSecurity(exportedSessionKey: key, flags: NTLMAuthenticator.flags & challenge.flags)
            security = s
            token = SPNEGO.response(message, mechListMIC: s.clientMIC(SPNEGO.mechTypes))
        } else {
            security = nil
            token = SPNEGO.response(message)
        }
    }

    /// Why the server's last logon reply cannot be accepted, or nil: a mechListMIC that is not
    /// the one the shared key gives means the negotiation was altered or the server is not the
    /// one that took the logon. A server that sends none (older ones) is taken.
    func refusal(ofFinalReply blob: [UInt8]) -> String? {
        guard let security, let mic = SPNEGO.parseResponse(blob)?.mechListMIC else { return nil }
        return security.serverMICMatches(mic, SPNEGO.mechTypes) ? nil
            : "the server's SPNEGO mechListMIC does not match the session key (the negotiation was altered, or the reply is not from the server that took the logon); refused"
    }
}
