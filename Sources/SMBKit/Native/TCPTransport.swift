import Glibc
import MigrateCore

/// One TCP connection to port 445 carrying SMB messages in direct-TCP framing (a 4-byte
/// big-endian length before each message). Failures come back as `errno` values.
final class TCPTransport {
    private var fd: Int32

    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        let operation: String
        /// "the server sent nothing for 30 s (receive)", "Connection reset by peer (send)".
        var description: String {
            code == EAGAIN || code == EWOULDBLOCK ? "the server sent nothing for \(TCPTransport.replyTimeout) s (\(operation))"
                : "\(String(cString: strerror(code))) (\(operation))"
        }
    }

    /// How long a reply may take before the connection counts as lost (then the normal retry
    /// on a new connection): `MIGRATE_IO_TIMEOUT` seconds, default 30.
    static let replyTimeout: Int = {
        guard let v = getenv("MIGRATE_IO_TIMEOUT").flatMap({ Int(String(cString: $0)) }), (1...3600).contains(v) else { return 30 }
        return v
    }()

    /// Connects with a timeout, to the first address of `host` that answers.
    init(host: String, port: UInt16 = 445, timeoutSeconds: Int = 10) throws(Failure) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(code: EHOSTUNREACH, operation: "resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var last: Int32 = ECONNREFUSED
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let a = node {
            node = a.pointee.ai_next
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if s < 0 { last = errno; continue }
            var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 {
                var one: Int32 = 1
                setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                // Every wait has a bound: a server that stops answering is a lost connection.
                var reply = timeval(tv_sec: Self.replyTimeout, tv_usec: 0)
                setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &reply, socklen_t(MemoryLayout<timeval>.size))
                fd = s
                return
            }
            last = errno
            Glibc.close(s)
        }
        throw Failure(code: last, operation: "connect to \(host):\(port)")
    }

    /// Connects, or says which server could not be reached and why.
    static func open(_ host: String, for tree: String, _ protocolName: String) throws(TreeError) -> TCPTransport {
        do { return try TCPTransport(host: host) } catch {
            throw TreeError(.unreachable, tree: tree, operation: "connect (\(protocolName))", detail: "\(String(cString: strerror(error.code))) (\(error.operation))")
        }
    }

    deinit { Glibc.close(fd); inbox.deallocate() }

    func send(_ message: [UInt8]) throws(Failure) { try send(messages: [message]) }

    /// Several messages in one write (SMB1 requests in flight together).
    func send(messages: [[UInt8]]) throws(Failure) {
        var frame: [UInt8] = []
        for m in messages {
            let n = m.count
            frame += [0, UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
            frame += m
        }
        var sent = 0
        while sent < frame.count {
            let rc = frame.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, frame.count - sent, Int32(MSG_NOSIGNAL)) }
            if rc <= 0 {
                if rc < 0 && errno == EINTR { continue }
                throw Failure(code: rc == 0 ? ECONNRESET : errno, operation: "send")
            }
            sent += rc
        }
    }

    /// Bytes received and not yet handed out: `inbox[head..<tail]`. One `recv` takes whatever
    /// the socket holds (several replies, or a large read's data at once) instead of a header
    /// and a body per message: on small files that halved the receive calls.
    private var inbox = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
    private var head = 0, tail = 0

    /// The next whole message.
    func receive() throws(Failure) -> [UInt8] {
        try fill(atLeast: 4)
        let n = Int(inbox[head + 1]) << 16 | Int(inbox[head + 2]) << 8 | Int(inbox[head + 3])
        try fill(atLeast: 4 + n)
        let message = [UInt8](UnsafeRawBufferPointer(rebasing: inbox[(head + 4)..<(head + 4 + n)]))
        head += 4 + n
        if head == tail { head = 0; tail = 0 }
        return message
    }

    /// Receives until `count` bytes are buffered, making room (moving what is left to the
    /// front, or growing for a message larger than the buffer) first.
    private func fill(atLeast count: Int) throws(Failure) {
        guard tail - head < count else { return }
        if head + count > inbox.count {
            if count > inbox.count {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, inbox.count * 2), alignment: 16)
                larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: inbox[head..<tail]))
                inbox.deallocate()
                inbox = larger
            } else if tail > head {
                inbox.baseAddress!.copyMemory(from: inbox.baseAddress! + head, byteCount: tail - head)
            }
            tail -= head
            head = 0
        }
        while tail - head < count {
            let rc = recv(fd, inbox.baseAddress! + tail, inbox.count - tail, 0)
            if rc <= 0 {
                if rc < 0 && errno == EINTR { continue }
                throw Failure(code: rc == 0 ? ECONNRESET : errno, operation: "receive")
            }
            tail += rc
        }
    }
}
