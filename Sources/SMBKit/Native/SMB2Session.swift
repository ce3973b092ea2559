import Glibc
import MigrateCore

/// One SMB2/3 session with one tree connection, spoken directly over TCP. It exists for what
/// libsmbclient 4.17 cannot do: send several operations on one handle as a single compound
/// (create, write, descriptor, rename, times, close in one round trip). It negotiates SMB 2.1
/// to 3.1.1, logs on with NTLMv2 and protects what it sends as the server, the share or the
/// plan asks (`SMB2Protection`): every message signed (HMAC-SHA256, AES-CMAC or AES-GMAC) and
/// every reply's signature checked, or every message encrypted (AES-GCM or AES-CCM).
final class SMB2Session {
    let displayName: String
    private let transport: TCPTransport
    private var nextMessageId: UInt64 = 0
    private var credits: Int = 1
    private var sessionId: UInt64 = 0
    private var treeId: UInt32 = 0
    private(set) var dialect: UInt16 = 0
    /// The server made this a guest (or anonymous) session: not the account asked for.
    private(set) var guest = false
    /// Requests sent whose final responses have not come; responses that came before they were asked for.
    private var inFlight = Set<UInt64>()
    private var early: [UInt64: Response] = [:]
    /// The largest single write the server takes (each write here stays within one credit).
    private(set) var maxWrite = 65536
    /// The largest single read (each within one credit, as the writes).
    private(set) var maxRead = 65536
    /// Set by the negotiate: the server signs only signed sessions, or requires it.
    private var serverRequiresSigning = false
    /// SMB 3.1.1: the algorithms the server chose, and the hash over the negotiate and logon
    /// messages that the keys are derived from (an on-path change to either breaks the keys).
    private var signingAlgorithm = MessageMAC.Algorithm.aesCMAC
    private var cipher: SealingCipher.Algorithm?
    private var preauthHash = [UInt8](repeating: 0, count: 64)
    private(set) var protection: SMB2Protection?
    /// What both sides said in the negotiate, for SMB 3.0/3.0.2's validate-negotiate (3.1.1's
    /// preauthentication hash covers the negotiate instead).
    private var clientGuid = [UInt8](repeating: 0, count: 16)
    private var offered: [UInt16] = []
    private var server: (capabilities: UInt32, guid: [UInt8], securityMode: UInt16) = (0, [], 0)

    struct Request {
        var command: Command
        /// The body after the 64-byte header; buffer offsets in it count from the header's start.
        var body: [UInt8]
    }

    struct Response {
        var command: Command
        var status: UInt32
        /// The whole response from its header on (body offsets count from here).
        var message: WireReader
    }

    enum Command: UInt16 {
        case negotiate = 0, sessionSetup = 1, logoff = 2, treeConnect = 3, treeDisconnect = 4, create = 5, close = 6
        case read = 8, write = 9, ioctl = 0x0B, echo = 0x0D, queryDirectory = 0x0E, queryInfo = 0x10, setInfo = 0x11
    }

    static let dialects: [UInt16] = [0x0210, 0x0300, 0x0302, 0x0311]

    /// Negotiates, logs on and connects the share. Throws `.notSupported` where this session
    /// cannot serve (SMB1 only, a DFS share, encryption asked of a dialect without it), so the
    /// caller knows to stay with libsmbclient; `.integrity` when a reply fails its check.
    init(host: String, share: String, credentials: SMBCredentials, options: SMBSessionOptions = .init(), displayName: String,
         dialects: [UInt16] = SMB2Session.dialects) throws(TreeError) {
        self.displayName = displayName
        transport = try TCPTransport.open(host, for: displayName, "SMB2")
        try negotiate(dialects)
        try logOn(credentials, host: host, options)
        try connectTree(host: host, share: share, options)
        if dialect == 0x0300 || dialect == 0x0302 { try validateNegotiate() }
    }

    /// SMB 3.0 and 3.0.2 (MS-SMB2 3.2.5.5): the client asks again, signed, what the server
    /// negotiated; the answer, which the server signs, must be what the negotiate said. An
    /// on-path change to the unsigned negotiate (a cleared signing or encryption bit, another
    /// dialect) shows here and ends the session.
    private func validateNegotiate() throws(TreeError) {
        guard let p = protection else { return }   // a guest session has no keys to sign with
        var input = WireWriter()
        input.u32(0x40); input.raw(clientGuid); input.u16(1); input.u16(UInt16(offered.count))
        for d in offered { input.u16(d) }
        var w = WireWriter()
        w.u16(57); w.u16(0); w.u32(0x0014_0204); w.raw([UInt8](repeating: 0xff, count: 16))
        w.u32(64 + 56); w.u32(UInt32(input.bytes.count)); w.u32(0)
        w.u32(64 + 56); w.u32(0); w.u32(24); w.u32(1); w.u32(0)
        w.raw(input.bytes)
        let r = try exchange([Request(command: .ioctl, body: w.bytes)], sign: true, operation: "validate negotiate")[0]
        let problem: String?
        if r.status != 0 {
            problem = String(format: "the server refused to validate the negotiate (NT status 0x%08X)", r.status)
        } else if !p.encrypts && r.message.u32(16) & 0x8 == 0 {
            problem = "the server's validate-negotiate answer is not signed"
        } else {
            let out = r.message.slice(Int(r.message.u32(64 + 32)), Int(r.message.u32(64 + 36)))
            let o = WireReader(out)
            problem = out.count < 24 ? "the server's validate-negotiate answer is short"
                : o.u32(0) != server.capabilities || o.slice(4, 16) != server.guid || o.u16(20) != server.securityMode || o.u16(22) != dialect
                ? "the server's validate-negotiate answer differs from its negotiate (the negotiate was altered on the way)" : nil
        }
        if let problem { throw TreeError(.integrity, tree: displayName, operation: "validate negotiate", detail: problem) }
    }

    deinit {
        // Polite ends; the server cleans up after a dropped connection anyway.
        if treeId != 0 { _ = try? send([Request(command: .treeDisconnect, body: [4, 0, 0, 0])], operation: "disconnect") }
        if sessionId != 0 { _ = try? send([Request(command: .logoff, body: [4, 0, 0, 0])], operation: "disconnect") }
    }

    /// "SMB 3.1.1, signed AES-128-GMAC": what serves this share, for the log and tests.
    var summary: String {
        "direct SMB \(Self.name(dialect)), \(protection?.summary ?? "not signed")"
    }

    static func name(_ dialect: UInt16) -> String {
        let minor = (dialect >> 4) & 0xf, patch = dialect & 0xf
        return "\(dialect >> 8).\(minor)" + (patch == 0 ? "" : ".\(patch)")
    }

    /// `dialects` is every one this client speaks; tests offer fewer to reach each algorithm.
    private func negotiate(_ dialects: [UInt16]) throws(TreeError) {
        var w = WireWriter()
        // Signing enabled; encryption capable (what 3.0 and 3.0.2 look at).
        w.u16(36); w.u16(UInt16(dialects.count)); w.u16(1); w.u16(0); w.u32(0x40)
        clientGuid = Digest.random(16)
        offered = dialects
        w.raw(clientGuid)
        let contextOffsetAt = w.bytes.count
        w.u32(0); w.u16(3); w.u16(0)
        for d in dialects { w.u16(d) }
        // SMB 3.1.1 contexts: preauthentication integrity (SHA-512 with a salt), the ciphers and
        // signing algorithms this client takes, fastest first.
        w.align(8)
        w.patch(UInt64(64 + w.bytes.count), at: contextOffsetAt, size: 4)
        Self.context(&w, type: 1) { c in c.u16(1); c.u16(32); c.u16(1); c.raw(Digest.random(32)) }
        w.align(8)
        Self.context(&w, type: 2) { c in c.u16(4); for a in [2, 1, 4, 3] as [UInt16] { c.u16(a) } }
        w.align(8)
        Self.context(&w, type: 8) { c in c.u16(3); for a in [2, 1, 0] as [UInt16] { c.u16(a) } }
        let r: Response
        do { r = try exchange([Request(command: .negotiate, body: w.bytes)], operation: "negotiate (SMB2)")[0] } catch {
            // An SMB1-only server drops the connection or answers in SMB1.
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB2)", detail: error.detail)
        }
        guard r.status == 0 else { throw failure(r.status, "", "negotiate (SMB2)", kind: .notSupported) }
        dialect = r.message.u16(64 + 4)
        guard dialects.contains(dialect) else {
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB2)", detail: String(format: "the server chose dialect 0x%04x", dialect))
        }
        serverRequiresSigning = r.message.u16(64 + 2) & 0x2 != 0
        server = (r.message.u32(64 + 24), r.message.slice(64 + 8, 16), r.message.u16(64 + 2))
        maxWrite = min(65536, Int(r.message.u32(64 + 36)))
        maxRead = min(65536, Int(r.message.u32(64 + 32)))
        guard maxWrite >= 4096 else { throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB2)", detail: "tiny writes") }
        if dialect == 0x0311 { try readContexts(r.message) }
        else if dialect >= 0x0300, r.message.u32(64 + 24) & 0x40 != 0 { cipher = .aes128CCM }
    }

    private static func context(_ w: inout WireWriter, type: UInt16, _ data: (inout WireWriter) -> Void) {
        var c = WireWriter()
        data(&c)
        w.u16(type); w.u16(UInt16(c.bytes.count)); w.u32(0); w.raw(c.bytes)
    }

    /// The server's choices in a 3.1.1 negotiate: its hash (SHA-512 is the only one), cipher and
    /// signing algorithm; each checked against what was offered.
    private func readContexts(_ m: WireReader) throws(TreeError) {
        let chosen = try Self.negotiateContexts(m, tree: displayName)
        if let c = chosen.cipher { cipher = c }
        if let a = chosen.signing { signingAlgorithm = a }
    }

    /// The negotiate contexts of a 3.1.1 negotiate reply (`m` from its header on): the cipher and
    /// signing algorithm chosen (nil where the server named none). A context that runs past the
    /// reply, a signing algorithm not offered or no SHA-512 preauthentication integrity is refused.
    static func negotiateContexts(_ m: WireReader, tree: String) throws(TreeError) -> (cipher: SealingCipher.Algorithm?, signing: MessageMAC.Algorithm?) {
        var offset = Int(m.u32(64 + 60)), sawHash = false
        var chosen: (cipher: SealingCipher.Algorithm?, signing: MessageMAC.Algorithm?) = (nil, nil)
        for _ in 0..<Int(m.u16(64 + 6)) {
            let type = m.u16(offset), length = Int(m.u16(offset + 2)), data = offset + 8
            guard length >= 2, data + length <= m.count else {
                throw TreeError(.integrity, tree: tree, operation: "negotiate (SMB2)", detail: "a negotiate context runs past the reply")
            }
            switch type {
            case 1: sawHash = m.u16(data) == 1 && m.u16(data + 4) == 1
            case 2 where m.u16(data) == 1: chosen.cipher = SealingCipher.Algorithm(rawValue: m.u16(data + 2))
            case 8 where m.u16(data) == 1:
                guard let a = MessageMAC.Algorithm(rawValue: m.u16(data + 2)) else {
                    throw TreeError(.integrity, tree: tree, operation: "negotiate (SMB2)", detail: "the server chose signing algorithm \(m.u16(data + 2)), which was not offered")
                }
                chosen.signing = a
            default: break
            }
            offset = (data + length + 7) & ~7
        }
        guard sawHash else {
            throw TreeError(.integrity, tree: tree, operation: "negotiate (SMB2)", detail: "SMB 3.1.1 without SHA-512 preauthentication integrity")
        }
        return chosen
    }

    private func logOn(_ credentials: SMBCredentials, host: String, _ options: SMBSessionOptions) throws(TreeError) {
        var ntlm = NTLMAuthenticator(credentials)
        ntlm.targetName = "cifs/\(host)"
        let first = try exchange([sessionSetup(SPNEGO.initial(ntlm.negotiateMessage()))], operation: "log on")[0]
        guard first.status == NTStatus.moreProcessingRequired else { throw failure(first.status, "", "log on (negotiate)", kind: .authenticationFailed) }
        guard let challenge = NTLMAuthenticator.parseChallenge(securityBuffer(first)) else {
            throw TreeError(.integrity, tree: displayName, operation: "log on (negotiate)",
                            detail: "the server's NTLM challenge is malformed or larger than any server's (over 16 KiB of target information); refused")
        }
        sessionId = first.message.u64(40)
        let logon = NTLMLogon(ntlm, challenge)
        let sessionKey = logon.sessionKey
        let ticket = try send([sessionSetup(logon.token)], operation: "log on")
        // The hash now covers the last logon request: the keys exist before its reply, whose
        // signature (3.1.1 always signs it) proves the server derived the same.
        let p = SMB2Protection(dialect: dialect, sessionKey: sessionKey, preauthHash: preauthHash, signing: signingAlgorithm,
                               cipher: dialect == 0x0311 ? cipher : (dialect >= 0x0300 ? .aes128CCM : nil))
        protection = p
        let second = try receive(ticket, operation: "log on")[0]
        guard second.status == 0 else { throw failure(second.status, "", "log on", kind: .authenticationFailed) }
        if let why = logon.refusal(ofFinalReply: securityBuffer(second)) {
            throw TreeError(.integrity, tree: displayName, operation: "log on", detail: why)
        }
        let flags = second.message.u16(64 + 2)
        guest = flags & 0x3 != 0
        let signed = second.message.u32(16) & 0x8 != 0
        let wantsSigning = serverRequiresSigning || options.requireSigning
        let wantsEncryption = flags & 0x4 != 0 || options.encryption == .required || (options.encryption == .desired && p.canEncrypt)
        if guest {
            protection = nil
            if wantsSigning || wantsEncryption {
                throw TreeError(.authenticationFailed, tree: displayName, operation: "log on", detail: "the server made this a guest session, which can neither sign nor encrypt")
            }
            return
        }
        if dialect == 0x0311 && !signed {
            throw TreeError(.integrity, tree: displayName, operation: "log on", detail: "the server did not sign its SMB 3.1.1 logon reply")
        }
        if wantsEncryption {
            guard p.startEncrypting() else {
                throw TreeError(.notSupported, tree: displayName, operation: "log on", detail: "encryption asked for, but SMB \(Self.name(dialect)) cannot encrypt")
            }
        } else {
            p.signsEverything = wantsSigning
        }
    }

    private func sessionSetup(_ token: [UInt8]) -> Request {
        var w = WireWriter()
        w.u16(25); w.u8(0); w.u8(1); w.u32(0); w.u32(0); w.u16(64 + 24); w.u16(UInt16(token.count)); w.u64(0)
        w.raw(token)
        return Request(command: .sessionSetup, body: w.bytes)
    }

    private func securityBuffer(_ r: Response) -> [UInt8] {
        r.message.slice(Int(r.message.u16(64 + 4)), Int(r.message.u16(64 + 6)))
    }

    private func connectTree(host: String, share: String, _ options: SMBSessionOptions) throws(TreeError) {
        let path = WireWriter.utf16("\\\\\(host)\\\(share)")
        var w = WireWriter()
        w.u16(9); w.u16(0); w.u16(64 + 8); w.u16(UInt16(path.count)); w.raw(path)
        let r = try exchange([Request(command: .treeConnect, body: w.bytes)], operation: "connect share")[0]
        guard r.status == 0 else { throw failure(r.status, "", "connect share", kind: .shareNotFound) }
        treeId = r.message.u32(36)
        if r.message.u32(64 + 4) & 0x8000 != 0, let p = protection, !p.encrypts {
            // The share asks for encryption: everything after this is encrypted.
            guard p.startEncrypting() else {
                throw TreeError(.notSupported, tree: displayName, operation: "connect share", detail: "the share requires encryption, which SMB \(Self.name(dialect)) cannot do")
            }
        }
        if r.message.u32(64 + 8) & 0x8 != 0 { throw TreeError(.notSupported, tree: displayName, operation: "connect share", detail: "a DFS share") }
    }

    var availableCredits: Int { credits }

    /// An ECHO, which (like every request here) asks for more credits: for a server that grants
    /// them sparingly.
    func askForCredits() throws(TreeError) {
        _ = try exchange([Request(command: .echo, body: [4, 0, 0, 0])], operation: "echo")
    }

    /// Sends requests as one message (a related compound when `related`: later requests act on
    /// the handle the first one opened) and returns their final responses in order.
    func exchange(_ requests: [Request], related: Bool = false, sign: Bool = false, operation: String) throws(TreeError) -> [Response] {
        try receive(try send(requests, related: related, sign: sign, operation: operation), operation: operation)
    }

    /// Puts requests in flight as one message; their responses are taken with `receive`.
    /// Signed element by element, or encrypted whole, as the session's protection says.
    /// `sign`: signed even where the session does not sign everything (validate-negotiate).
    func send(_ requests: [Request], related: Bool = false, sign: Bool = false, operation: String) throws(TreeError) -> [UInt64] {
        guard requests.count <= max(credits, 1) else {
            throw TreeError(.io, tree: displayName, operation: operation, detail: "the server granted \(credits) credits, \(requests.count) needed")
        }
        var w = WireWriter()
        w.bytes.reserveCapacity(requests.reduce(0) { $0 + 72 + $1.body.count })
        let first = nextMessageId
        var starts: [Int] = []
        for (i, r) in requests.enumerated() {
            let start = w.bytes.count
            starts.append(start)
            w.raw([0xFE, 0x53, 0x4D, 0x42]); w.u16(64); w.u16(1); w.u32(0)
            w.u16(r.command.rawValue); w.u16(64)
            w.u32(related && i > 0 ? 0x4 : 0); w.u32(0)
            w.u64(first + UInt64(i)); w.u32(0xFEFF); w.u32(treeId); w.u64(sessionId); w.zeros(16)
            w.raw(r.body)
            if i < requests.count - 1 {
                w.align(8)
                w.patch(UInt64(w.bytes.count - start), at: start + 20, size: 4)
            }
        }
        if requests.count == 1, requests[0].command == .negotiate || requests[0].command == .sessionSetup {
            preauthHash = Digest.sha512(preauthHash + w.bytes)
        }
        // Signed in the buffer it was built in (a copy of it first would copy every put's data again).
        if let p = protection, !p.encrypts, sign || p.signsEverything || (dialect == 0x0311 && requests[0].command == .treeConnect) {
            // SMB 3.1.1 signs the tree connect even unasked: it proves the negotiate was not altered.
            for (i, s) in starts.enumerated() { p.sign(&w.bytes, s..<(i + 1 < starts.count ? starts[i + 1] : w.bytes.count)) }
        }
        let message = protection?.encrypts == true ? protection!.seal(w.bytes, sessionId: sessionId) : w.bytes
        nextMessageId += UInt64(requests.count)
        credits -= requests.count
        do { try transport.send(message) } catch { throw lost(error, operation) }
        let ids = (0..<UInt64(requests.count)).map { first + $0 }
        inFlight.formUnion(ids)
        return ids
    }

    /// The final responses to requests sent earlier, in the order asked; responses to other
    /// requests in flight that come meanwhile are kept for their own `receive`. Every reply
    /// passes the session's check (decryption, or its signature) before anything reads it.
    func receive(_ ids: [UInt64], operation: String) throws(TreeError) -> [Response] {
        var found: [UInt64: Response] = [:]
        for id in ids { if let r = early.removeValue(forKey: id) { found[id] = r } }
        while found.count < ids.count {
            var frame: [UInt8]
            do { frame = try transport.receive() } catch { throw lost(error, operation) }
            let message = try unprotect(&frame, operation)
            var start = 0
            while start + 64 <= message.count {
                let header = WireReader(message[(message.startIndex + start)...])
                guard header.u32(0) == 0x424D_53FE else { throw TreeError(.integrity, tree: displayName, operation: operation, detail: "a reply that is not SMB2") }
                let next = Int(header.u32(20))
                guard next == 0 || (next >= 64 && start + next <= message.count) else {
                    throw TreeError(.integrity, tree: displayName, operation: operation, detail: "a compound reply whose next element lies outside it")
                }
                let end = next == 0 ? message.count : start + next
                let r = WireReader(message[(message.startIndex + start)..<(message.startIndex + end)])
                let status = r.u32(8), id = r.u64(24), command = r.u16(12)
                let interim = status == NTStatus.pending && r.u32(16) & 0x2 != 0
                if !interim { try checkSignature(message, start..<end, flags: r.u32(16), operation) }
                credits += Int(r.u16(14))
                if command == Command.negotiate.rawValue || (command == Command.sessionSetup.rawValue && status == NTStatus.moreProcessingRequired) {
                    preauthHash = Digest.sha512(preauthHash + Array(r.bytes))
                }
                if !interim, inFlight.remove(id) != nil {
                    let response = Response(command: Command(rawValue: command) ?? .negotiate, status: status, message: r)
                    if ids.contains(id) { found[id] = response } else { early[id] = response }
                }
                if next == 0 { break }
                start += next
            }
        }
        return ids.map { found[$0]! }
    }

    /// The plain message a frame carries: decrypted on an encrypting session (where a plain
    /// reply is refused), as it came otherwise.
    private func unprotect(_ frame: inout [UInt8], _ operation: String) throws(TreeError) -> ArraySlice<UInt8> {
        let transform = frame.count >= 4 && frame[0] == 0xFD && frame[1] == 0x53 && frame[2] == 0x4D && frame[3] == 0x42
        guard let p = protection, p.encrypts else {
            if transform { throw TreeError(.integrity, tree: displayName, operation: operation, detail: "an encrypted reply on a session that does not encrypt") }
            return frame[...]
        }
        guard transform else {
            throw TreeError(.integrity, tree: displayName, operation: operation, detail: "an unencrypted reply on an encrypted session (refused)")
        }
        do { try p.open(&frame, sessionId: sessionId) } catch {
            switch error {
            case .forged: throw TreeError(.integrity, tree: displayName, operation: operation, detail: "an encrypted reply failed authentication (altered on the way, or not from this server)")
            case .malformed(let why): throw TreeError(.integrity, tree: displayName, operation: operation, detail: why)
            }
        }
        return frame[52...]
    }

    /// A signed reply must carry its true signature; on a signing session every reply must be signed.
    private func checkSignature(_ message: ArraySlice<UInt8>, _ range: Range<Int>, flags: UInt32, _ operation: String) throws(TreeError) {
        guard let p = protection, !p.encrypts else { return }
        if flags & 0x8 != 0 {
            guard p.verify(message, range) else {
                throw TreeError(.integrity, tree: displayName, operation: operation, detail: "a reply's \(p.signer.algorithm.name) signature does not match (altered on the way, or not from this server)")
            }
        } else if p.signsEverything {
            throw TreeError(.integrity, tree: displayName, operation: operation, detail: "an unsigned reply on a signed session (refused)")
        }
    }

    private func lost(_ error: TCPTransport.Failure, _ operation: String) -> TreeError {
        TreeError(.unreachable, tree: displayName, operation: operation,
                  detail: "\(error), SMB2")
    }

    func failure(_ status: UInt32, _ path: String, _ operation: String, kind: TreeError.Kind = .io) -> TreeError {
        NTStatus.error(status, tree: displayName, path: path, operation: operation, otherwise: kind)
    }
}
