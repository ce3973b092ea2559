import Glibc
import MigrateCore

/// One SMB1 (NT LM 0.12) session with one tree connection, spoken directly over TCP: the
/// legacy server's side of a small-file copy. Through libsmbclient and the helpers a file cost
/// about a dozen requests on three connections (open/read/close, smbclient's allinfo for the
/// create time and streams, the Samba helper for the descriptor); here it is one open that
/// returns every time, then the reads, the descriptor and the stream list in flight together,
/// then a close. NTLMv2 logon; every message signed (`SMB1Signing`) where the server or the plan
/// asks, as a Windows Server 2003 domain controller does. It cannot encrypt: where the plan asks
/// for encryption, libsmbclient serves (and refuses, as SMB1 cannot encrypt either).
final class SMB1Session {
    let displayName: String
    private let transport: TCPTransport
    private var uid: UInt16 = 0
    private var tid: UInt16 = 0
    private var nextMid: UInt16 = 1
    private var sessionKey: UInt32 = 0
    /// The server made this a guest session: not the account asked for.
    private(set) var guest = false
    /// Requests sent whose replies have not all come; replies that came before they were asked
    /// for; transaction replies still being reassembled.
    private var inFlight = Set<UInt16>()
    private var early: [UInt16: Reply] = [:]
    private var partial: [UInt16: Reply] = [:]
    /// Closes of files read whole, not yet sent: they go with the next requests instead of in an
    /// exchange of their own (one round trip less per small file); their replies, unwanted, are
    /// dropped as they come. `settle` sends and finishes them before the session sits idle.
    private var deferredCloses: [UInt16] = []
    private var unwanted = Set<UInt16>()
    /// Requests the server takes in flight at once.
    private(set) var maxInFlight = 2
    /// Bytes one read returns.
    private(set) var readChunk = 4096
    /// From the negotiate: whether the server says it can sign (Samba signs when asked even where
    /// it does not say so), and whether it insists.
    private var serverSigns = false, serverRequiresSigning = false
    /// Set once the logon has given the key: every request signed, every reply checked.
    private var signing: SMB1Signing?
    /// The logon asks the server to sign (the FLAGS2 signature bits).
    private var signingRequested = false

    struct Request {
        var command: UInt8
        var words: [UInt8]
        var bytes: [UInt8] = []
        /// Where the byte section starts, counted from the header (for alignment and offsets).
        static func bytesStart(wordBytes: Int) -> Int { 32 + 1 + wordBytes + 2 }
    }

    struct Reply {
        var command: UInt8
        var status: UInt32
        var message: WireReader
        /// Transactions: their parameters and data, reassembled.
        var parameters: [UInt8] = []
        var data: [UInt8] = []
        var gathered = 0
        var wordsOffset: Int { 33 }
    }

    enum Command {
        static let close: UInt8 = 0x04, trans2: UInt8 = 0x32, readAndX: UInt8 = 0x2E, negotiate: UInt8 = 0x72
        static let sessionSetup: UInt8 = 0x73, logoff: UInt8 = 0x74, treeConnect: UInt8 = 0x75, treeDisconnect: UInt8 = 0x71
        static let ntTransact: UInt8 = 0xA0, ntCreate: UInt8 = 0xA2
    }

    init(host: String, share: String, credentials: SMBCredentials, options: SMBSessionOptions = .init(), displayName: String) throws(TreeError) {
        self.displayName = displayName
        // SMB1 cannot encrypt: where the plan asks for it, libsmbclient serves (and says why it cannot).
        if options.encryption == .desired || options.encryption == .required {
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB1)", detail: "the plan asks for encryption, which SMB1 cannot do")
        }
        transport = try TCPTransport.open(host, for: displayName, "SMB1")
        try negotiate()
        try logOn(credentials, host: host, signing: serverRequiresSigning || options.requireSigning)
        try connectTree(host: host, share: share)
    }

    deinit {
        if tid != 0 { _ = try? transport.send(message(Request(command: Command.treeDisconnect, words: []), mid: 0xFFFE)) }
        if uid != 0 { _ = try? transport.send(message(Request(command: Command.logoff, words: [0xFF, 0, 0, 0]), mid: 0xFFFE)) }
    }

    /// "direct SMB1 (NT LM 0.12), signed MD5": for the log.
    var summary: String { "direct SMB1 (NT LM 0.12), " + (signing != nil ? "signed MD5" : "not signed") }

    private func negotiate() throws(TreeError) {
        let dialect: [UInt8] = [0x02] + Array("NT LM 0.12".utf8) + [0]
        let r: Reply
        do { r = try exchange([Request(command: Command.negotiate, words: [], bytes: dialect)], operation: "negotiate (SMB1)")[0] } catch {
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB1)", detail: error.detail)
        }
        let w = r.wordsOffset
        guard r.status == 0, r.message.u8(32) == 17, r.message.u16(w) == 0 else {
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB1)", detail: "the server does not speak NT LM 0.12")
        }
        serverSigns = r.message.u8(w + 2) & 0x0C != 0
        serverRequiresSigning = r.message.u8(w + 2) & 0x08 != 0
        let capabilities = r.message.u32(w + 19)
        guard capabilities & 0x8000_0000 != 0 else {
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB1)", detail: "no extended security")
        }
        maxInFlight = max(1, Int(r.message.u16(w + 3)))
        sessionKey = r.message.u32(w + 15)
        let maxBuffer = Int(r.message.u32(w + 7))
        // Large reads where offered; otherwise what fits the server's buffer.
        readChunk = capabilities & 0x4000 != 0 ? 61440 : max(1024, maxBuffer - 64)
    }

    private func logOn(_ credentials: SMBCredentials, host: String, signing wanted: Bool) throws(TreeError) {
        signingRequested = wanted
        var ntlm = NTLMAuthenticator(credentials)
        ntlm.targetName = "cifs/\(host)"
        let first = try exchange([sessionSetup(SPNEGO.initial(ntlm.negotiateMessage()))], operation: "log on")[0]
        guard first.status == NTStatus.moreProcessingRequired else {
            throw NTStatus.error(first.status, tree: displayName, path: "", operation: "log on (negotiate)", otherwise: .authenticationFailed)
        }
        guard let challenge = NTLMAuthenticator.parseChallenge(securityBlob(first)) else {
            throw TreeError(.integrity, tree: displayName, operation: "log on (negotiate)",
                            detail: "the server's NTLM challenge is malformed or larger than any server's (over 16 KiB of target information); refused")
        }
        uid = first.message.u16(28)
        let logon = NTLMLogon(ntlm, challenge)
        let mids = try send([sessionSetup(logon.token)], operation: "log on")
        // The key exists from here: the logon's reply is the first message checked.
        if wanted { signing = SMB1Signing(key: logon.sessionKey, logonMid: mids[0]) }
        let second = try receive(mids, operation: "log on")[0]
        guard second.status == 0 else {
            throw NTStatus.error(second.status, tree: displayName, path: "", operation: "log on", otherwise: .authenticationFailed)
        }
        if let why = logon.refusal(ofFinalReply: securityBlob(second)) {
            throw TreeError(.integrity, tree: displayName, operation: "log on", detail: why)
        }
        guest = second.message.u16(second.wordsOffset + 4) & 0x1 != 0
        if guest && wanted {
            throw TreeError(.authenticationFailed, tree: displayName, operation: "log on", detail: "the server made this a guest session, which cannot sign")
        }
    }

    private func sessionSetup(_ blob: [UInt8]) -> Request {
        var w = WireWriter()
        w.u8(0xFF); w.u8(0); w.u16(0); w.u16(61440); w.u16(50); w.u16(1); w.u32(sessionKey)
        w.u16(UInt16(blob.count)); w.u32(0); w.u32(0x8000_0000 | 0x4000 | 0x40 | 0x10 | 0x8 | 0x4)
        var b = blob
        if (Request.bytesStart(wordBytes: w.bytes.count) + b.count) % 2 != 0 { b.append(0) }
        return Request(command: Command.sessionSetup, words: w.bytes, bytes: b + [0, 0, 0, 0]) // empty OS and LAN manager names
    }

    private func securityBlob(_ r: Reply) -> [UInt8] {
        let length = Int(r.message.u16(r.wordsOffset + 6))
        return r.message.slice(r.wordsOffset + 8 + 2, length)
    }

    private func connectTree(host: String, share: String) throws(TreeError) {
        var w = WireWriter()
        w.u8(0xFF); w.u8(0); w.u16(0); w.u16(0); w.u16(1)
        let path = WireWriter.utf16("\\\\\(host)\\\(share)") + [0, 0]
        var b: [UInt8] = [0] // empty password
        if (Request.bytesStart(wordBytes: w.bytes.count) + 1) % 2 != 0 { b.append(0) }
        let request = Request(command: Command.treeConnect, words: w.bytes, bytes: b + path + Array("?????".utf8) + [0])
        let r = try exchange([request], operation: "connect share")[0]
        guard r.status == 0 else { throw NTStatus.error(r.status, tree: displayName, path: "", operation: "connect share", otherwise: .shareNotFound) }
        tid = r.message.u16(24)
        if r.message.u16(r.wordsOffset + 4) & 0x2 != 0 {
            throw TreeError(.notSupported, tree: displayName, operation: "connect share", detail: "a DFS share")
        }
    }

    /// One request as it goes on the wire, signed on a signing session. FLAGS2: Unicode, NT
    /// status, extended security, long names (and the signature bits while signing is asked for).
    private func message(_ r: Request, mid: UInt16) -> [UInt8] {
        var w = WireWriter()
        w.bytes.reserveCapacity(35 + r.words.count + r.bytes.count)
        w.raw([0xFF, 0x53, 0x4D, 0x42]); w.u8(r.command); w.u32(0); w.u8(0x18); w.u16(0xC843 | (signingRequested ? 0x0014 : 0))
        w.u16(0); w.zeros(8); w.u16(0); w.u16(tid); w.u16(0xFEFF); w.u16(uid); w.u16(mid)
        w.u8(UInt8(r.words.count / 2)); w.raw(r.words)
        w.u16(UInt16(r.bytes.count)); w.raw(r.bytes)
        if signing != nil { signing!.sign(&w.bytes, mid: mid) }
        return w.bytes
    }

    /// Sends the requests together (each its own message) and returns their replies in order;
    /// transaction replies that come in several messages are reassembled.
    func exchange(_ requests: [Request], operation: String) throws(TreeError) -> [Reply] {
        try receive(try send(requests, operation: operation), operation: operation)
    }

    /// Puts requests in flight; their replies are taken with `receive` (in any order, later).
    func send(_ requests: [Request], operation: String) throws(TreeError) -> [UInt16] {
        guard inFlight.count + requests.count <= maxInFlight else {
            throw TreeError(.io, tree: displayName, operation: operation,
                            detail: "\(inFlight.count + requests.count) requests, the server takes \(maxInFlight) at once")
        }
        var messages: [[UInt8]] = []
        var mids: [UInt16] = []
        // Deferred closes ride along when they fit (ahead of the new requests: a close never
        // depends on them).
        let closes = inFlight.count + requests.count + deferredCloses.count <= maxInFlight ? deferredCloses.map(close) : []
        for r in closes + requests {
            var mid = nextMid
            while inFlight.contains(mid) || early[mid] != nil || unwanted.contains(mid) { mid = mid >= 0xFFF0 ? 1 : mid + 1 }
            nextMid = mid >= 0xFFF0 ? 1 : mid + 1
            messages.append(message(r, mid: mid)); mids.append(mid)
        }
        do { try transport.send(messages: messages) } catch { throw lost(error, operation) }
        inFlight.formUnion(mids)
        if !closes.isEmpty {
            deferredCloses.removeAll()
            unwanted.formUnion(mids.prefix(closes.count))
        }
        return Array(mids.dropFirst(closes.count))
    }

    /// Closes `fid` with the next requests sent (or at `settle`).
    func closeLater(_ fid: UInt16) { deferredCloses.append(fid) }

    /// Sends the deferred closes and waits for their replies: nothing of ours stays open.
    func settle() {
        if !deferredCloses.isEmpty { _ = try? send([], operation: "close") }
        if !unwanted.isEmpty { _ = try? receive([], operation: "close") }
    }

    /// How many more requests may go in flight now.
    var room: Int { maxInFlight - inFlight.count }

    /// The replies to requests sent earlier, in the order asked; replies to other requests in
    /// flight that come meanwhile are kept for their own `receive`.
    func receive(_ mids: [UInt16], operation: String) throws(TreeError) -> [Reply] {
        var found: [UInt16: Reply] = [:]
        for m in mids { if let r = early.removeValue(forKey: m) { found[m] = r } }
        // (With nothing asked for, until the deferred closes are answered.)
        while found.count < mids.count || (mids.isEmpty && !unwanted.isEmpty) {
            let raw: [UInt8]
            do { raw = try transport.receive() } catch { throw lost(error, operation) }
            let r = WireReader(raw)
            guard r.u32(0) == 0x424D_53FF else { throw lost(TCPTransport.Failure(code: EPROTO, operation: "a reply that is not SMB1"), operation) }
            let mid = r.u16(30)
            guard inFlight.contains(mid) else { continue }
            if let s = signing {
                guard r.u16(10) & 0x04 != 0 else {
                    let why = serverSigns ? "" : "; the server does not offer SMB1 signing"
                    throw TreeError(.integrity, tree: displayName, operation: operation, detail: "an unsigned reply on a signed SMB1 session (refused)\(why)")
                }
                guard s.verify(raw, mid: mid) else {
                    throw TreeError(.integrity, tree: displayName, operation: operation, detail: "a reply's SMB1 (MD5) signature does not match (altered on the way, or not from this server)")
                }
            }
            if unwanted.remove(mid) != nil {
                inFlight.remove(mid); signing?.finished(mid)
                continue
            }
            let command = r.u8(4), status = r.u32(5)
            var reply = partial.removeValue(forKey: mid) ?? Reply(command: command, status: status, message: r)
            reply.message = r; reply.status = status
            let transaction = (command == Command.trans2 || command == Command.ntTransact) && (status == 0 || status == NTStatus.bufferOverflow) && r.u8(32) > 0
            if transaction, case let total = Self.announcedTotal(r, nt: command == Command.ntTransact), total > Self.transactionLimit {
                // Never allocated: a hostile server could announce 4 GiB for every reply. The rest
                // of it would follow on the connection, so the session ends (integrity).
                throw TreeError(.integrity, tree: displayName, operation: operation,
                                detail: "the server announced a transaction reply of \(total) bytes, more than the \(Self.transactionLimit) any request here asks for; refused")
            }
            if transaction, !Self.gather(r, nt: command == Command.ntTransact, into: &reply) {
                partial[mid] = reply
                continue
            }
            inFlight.remove(mid); signing?.finished(mid)
            if mids.contains(mid) { found[mid] = reply } else { early[mid] = reply }
        }
        return mids.map { found[$0]! }
    }

    private func lost(_ error: TCPTransport.Failure, _ operation: String) -> TreeError {
        TreeError(.unreachable, tree: displayName, operation: operation, detail: "\(error), SMB1")
    }

    /// A TRANS2 request carrying only parameters (the unused name is two zero bytes on a 2-byte
    /// boundary; the parameters start on a 4-byte one).
    func trans2(_ subcommand: UInt16, parameters: [UInt8], maxParameters: UInt16, maxData: UInt16 = 65535) -> Request {
        let start = Request.bytesStart(wordBytes: 30)
        var b = WireWriter()
        if start % 2 != 0 { b.u8(0) }
        b.u16(0)
        while (start + b.bytes.count) % 4 != 0 { b.u8(0) }
        let offset = start + b.bytes.count
        b.raw(parameters)
        var w = WireWriter()
        w.u16(UInt16(parameters.count)); w.u16(0); w.u16(maxParameters); w.u16(maxData); w.u8(0); w.u8(0); w.u16(0); w.u32(0); w.u16(0)
        w.u16(UInt16(parameters.count)); w.u16(UInt16(offset)); w.u16(0); w.u16(UInt16(offset + parameters.count)); w.u8(1); w.u8(0)
        w.u16(subcommand)
        return Request(command: Command.trans2, words: w.bytes, bytes: b.bytes)
    }

    /// No transaction here asks for more parameters and data than this (listings and descriptors
    /// ask for 64 KiB at most).
    static let transactionLimit = 1 << 20

    /// The parameter and data bytes a transaction reply says are coming in all.
    static func announcedTotal(_ r: WireReader, nt: Bool) -> Int {
        nt ? Int(r.u32(33 + 3)) + Int(r.u32(33 + 7)) : Int(r.u16(33)) + Int(r.u16(33 + 2))
    }

    /// Adds one transaction reply message's parameters and data; true once all have come.
    static func gather(_ r: WireReader, nt: Bool, into reply: inout Reply) -> Bool {
        let w = 33
        let f: (Int) -> Int = nt ? { Int(r.u32(w + $0)) } : { Int(r.u16(w + $0)) }
        let (totalP, totalD, countP, offsetP, dispP, countD, offsetD, dispD) = nt
            ? (f(3), f(7), f(11), f(15), f(19), f(23), f(27), f(31))
            : (f(0), f(2), f(6), f(8), f(10), f(12), f(14), f(16))
        if reply.parameters.count != totalP { reply.parameters = [UInt8](repeating: 0, count: totalP) }
        if reply.data.count != totalD { reply.data = [UInt8](repeating: 0, count: totalD) }
        let p = r.slice(offsetP, countP), d = r.slice(offsetD, countD)
        if dispP + p.count <= totalP { reply.parameters.replaceSubrange(dispP..<dispP + p.count, with: p) }
        if dispD + d.count <= totalD { reply.data.replaceSubrange(dispD..<dispD + d.count, with: d) }
        reply.gathered += p.count + d.count
        return reply.gathered >= totalP + totalD
    }
}
