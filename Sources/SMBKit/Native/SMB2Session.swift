import Glibc
import MigrateCore

/// One SMB2/3 session with one tree connection, spoken directly over TCP. It exists for what
/// libsmbclient 4.17 cannot do: send several operations on one handle as a single compound
/// (create, write, descriptor, rename, times, close in one round trip). It logs on with NTLMv2
/// and neither signs nor encrypts, so it is opened only where the server requires neither;
/// everything else goes through libsmbclient.
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
        case read = 8, write = 9, echo = 0x0D, queryDirectory = 0x0E, queryInfo = 0x10, setInfo = 0x11
    }


    /// Negotiates SMB 2.1 to 3.0.2, logs on and connects the share. Throws `.notSupported` where
    /// this session cannot serve (the server requires signing or encryption, SMB1 only, a DFS
    /// share), so the caller knows to stay with libsmbclient.
    init(host: String, share: String, credentials: SMBCredentials, displayName: String) throws(TreeError) {
        self.displayName = displayName
        transport = try TCPTransport.open(host, for: displayName, "SMB2")
        try negotiate()
        try logOn(credentials)
        try connectTree(host: host, share: share)
    }

    deinit {
        // Polite ends; the server cleans up after a dropped connection anyway.
        if treeId != 0 { _ = try? send([Request(command: .treeDisconnect, body: [4, 0, 0, 0])], operation: "disconnect") }
        if sessionId != 0 { _ = try? send([Request(command: .logoff, body: [4, 0, 0, 0])], operation: "disconnect") }
    }

    private func negotiate() throws(TreeError) {
        var w = WireWriter()
        let dialects: [UInt16] = [0x0210, 0x0300, 0x0302]
        w.u16(36); w.u16(UInt16(dialects.count)); w.u16(1) /* signing enabled */; w.u16(0); w.u32(0)
        w.raw((0..<16).map { _ in UInt8.random(in: 0...255) }); w.u64(0)
        for d in dialects { w.u16(d) }
        let r: Response
        do { r = try exchange([Request(command: .negotiate, body: w.bytes)], operation: "negotiate (SMB2)")[0] } catch {
            // An SMB1-only server drops the connection or answers in SMB1.
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB2)", detail: error.detail)
        }
        guard r.status == 0 else { throw failure(r.status, "", "negotiate (SMB2)", kind: .notSupported) }
        dialect = r.message.u16(64 + 4)
        if r.message.u16(64 + 2) & 0x2 != 0 {
            throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB2)", detail: "the server requires signing")
        }
        maxWrite = min(65536, Int(r.message.u32(64 + 36)))
        guard maxWrite >= 4096 else { throw TreeError(.notSupported, tree: displayName, operation: "negotiate (SMB2)", detail: "tiny writes") }
    }

    private func logOn(_ credentials: SMBCredentials) throws(TreeError) {
        let ntlm = NTLMAuthenticator(credentials)
        let first = try exchange([sessionSetup(SPNEGO.initial(ntlm.negotiateMessage()))], operation: "log on")[0]
        guard first.status == NTStatus.moreProcessingRequired, let challenge = NTLMAuthenticator.parseChallenge(securityBuffer(first)) else {
            throw failure(first.status, "", "log on", kind: .authenticationFailed)
        }
        sessionId = first.message.u64(40)
        let second = try exchange([sessionSetup(SPNEGO.response(ntlm.authenticateMessage(challenge)))], operation: "log on")[0]
        guard second.status == 0 else { throw failure(second.status, "", "log on", kind: .authenticationFailed) }
        let flags = second.message.u16(64 + 2)
        guest = flags & 0x3 != 0
        if flags & 0x4 != 0 { throw TreeError(.notSupported, tree: displayName, operation: "log on", detail: "the server encrypts this session") }
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

    private func connectTree(host: String, share: String) throws(TreeError) {
        let path = WireWriter.utf16("\\\\\(host)\\\(share)")
        var w = WireWriter()
        w.u16(9); w.u16(0); w.u16(64 + 8); w.u16(UInt16(path.count)); w.raw(path)
        let r = try exchange([Request(command: .treeConnect, body: w.bytes)], operation: "connect share")[0]
        guard r.status == 0 else { throw failure(r.status, "", "connect share", kind: .shareNotFound) }
        treeId = r.message.u32(36)
        if r.message.u32(64 + 4) & 0x8 != 0 { throw TreeError(.notSupported, tree: displayName, operation: "connect share", detail: "the share is encrypted") }
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
    func exchange(_ requests: [Request], related: Bool = false, operation: String) throws(TreeError) -> [Response] {
        try receive(try send(requests, related: related, operation: operation), operation: operation)
    }

    /// Puts requests in flight as one message; their responses are taken with `receive`.
    func send(_ requests: [Request], related: Bool = false, operation: String) throws(TreeError) -> [UInt64] {
        guard requests.count <= max(credits, 1) else {
            throw TreeError(.io, tree: displayName, operation: operation, detail: "the server granted \(credits) credits, \(requests.count) needed")
        }
        var w = WireWriter()
        w.bytes.reserveCapacity(requests.reduce(0) { $0 + 72 + $1.body.count })
        let first = nextMessageId
        for (i, r) in requests.enumerated() {
            let start = w.bytes.count
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
        nextMessageId += UInt64(requests.count)
        credits -= requests.count
        do { try transport.send(w.bytes) } catch { throw lost(error, operation) }
        let ids = (0..<UInt64(requests.count)).map { first + $0 }
        inFlight.formUnion(ids)
        return ids
    }

    /// The final responses to requests sent earlier, in the order asked; responses to other
    /// requests in flight that come meanwhile are kept for their own `receive`.
    func receive(_ ids: [UInt64], operation: String) throws(TreeError) -> [Response] {
        var found: [UInt64: Response] = [:]
        for id in ids { if let r = early.removeValue(forKey: id) { found[id] = r } }
        do throws(TCPTransport.Failure) {
            while found.count < ids.count {
                let message = try transport.receive()
                var start = 0
                while start + 64 <= message.count {
                    let header = WireReader(message[start...])
                    guard header.u32(0) == 0x424D_53FE else { throw TCPTransport.Failure(code: EPROTO, operation: "a reply that is not SMB2") }
                    let next = Int(header.u32(20))
                    let end = next == 0 ? message.count : min(message.count, start + next)
                    let r = WireReader(message[start..<end])
                    credits += Int(r.u16(14))
                    let status = r.u32(8), id = r.u64(24)
                    let interim = status == NTStatus.pending && r.u32(16) & 0x2 != 0
                    if !interim, inFlight.remove(id) != nil {
                        let response = Response(command: Command(rawValue: r.u16(12)) ?? .negotiate, status: status, message: r)
                        if ids.contains(id) { found[id] = response } else { early[id] = response }
                    }
                    if next == 0 { break }
                    start += next
                }
            }
        } catch { throw lost(error, operation) }
        return ids.map { found[$0]! }
    }

    private func lost(_ error: TCPTransport.Failure, _ operation: String) -> TreeError {
        TreeError(.unreachable, tree: displayName, operation: operation,
                  detail: "\(String(cString: strerror(error.code))) (\(error.operation), SMB2)")
    }

    func failure(_ status: UInt32, _ path: String, _ operation: String, kind: TreeError.Kind = .io) -> TreeError {
        NTStatus.error(status, tree: displayName, path: path, operation: operation, otherwise: kind)
    }
}
