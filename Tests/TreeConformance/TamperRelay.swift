import Foundation
import Glibc

/// A TCP relay from a loopback address's port 445 to a lab server that can change the server's
/// replies on the way: the on-path attacker a signed or encrypted session must catch. Frames
/// (direct-TCP: a 4-byte length, then the message) from the server are counted from 1 on each
/// connection and handed to `alter` before they go on; the client's frames likewise to
/// `alterRequest` (unchanged when it is not given).
public final class TamperRelay: @unchecked Sendable {
    public let address: String
    private let upstream: String
    private let alter: @Sendable (Int, inout [UInt8]) -> Void
    private let alterRequest: (@Sendable (Int, inout [UInt8]) -> Void)?
    private var listener: Int32 = -1
    private let lock = NSLock()
    private var sockets: [Int32] = []
    public private(set) var altered = 0
    /// NTLM AUTHENTICATE messages the client sent (each a logon attempt with the password).
    public private(set) var logonAttempts = 0

    public init(address: String = "127.0.0.30", upstream: String, alterRequest: (@Sendable (Int, inout [UInt8]) -> Void)? = nil,
                alter: @escaping @Sendable (Int, inout [UInt8]) -> Void) throws {
        self.address = address; self.upstream = upstream; self.alter = alter; self.alterRequest = alterRequest
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = Self.socketAddress(address)
        let bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(listener, 8) == 0 else { throw NSError(domain: "relay", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "bind \(address):445: \(String(cString: strerror(errno)))"]) }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    public func stop() {
        lock.lock(); defer { lock.unlock() }
        if listener >= 0 { shutdown(listener, Int32(SHUT_RDWR)); close(listener); listener = -1 }
        for s in sockets { shutdown(s, Int32(SHUT_RDWR)); close(s) }
        sockets = []
    }

    private static func socketAddress(_ ip: String) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(445).bigEndian
        inet_pton(AF_INET, ip, &a.sin_addr)
        return a
    }

    private func acceptLoop() {
        while true {
            let l = lock.withLock { listener }
            guard l >= 0 else { return }
            let client = accept(l, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var a = Self.socketAddress(upstream)
            let ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard ok == 0 else { close(client); close(server); continue }
            lock.withLock { sockets += [client, server] }
            Thread.detachNewThread { [self] in pipe(from: client, to: server) }
            Thread.detachNewThread { [self] in replies(from: server, to: client) }
        }
    }

    private func pipe(from: Int32, to: Int32) {
        let authenticate: [UInt8] = Array("NTLMSSP".utf8) + [0, 3, 0, 0, 0]
        var index = 0
        while let frame = Self.readFrame(from) {
            index += 1
            var message = Array(frame[4...])
            if Self.offset(of: authenticate, in: message) != nil { lock.withLock { logonAttempts += 1 } }
            let before = message
            alterRequest?(index, &message)
            if message != before { lock.withLock { altered += 1 } }
            guard Self.sendAll(to, Self.framed(message)) else { break }
        }
        shutdown(to, Int32(SHUT_RDWR))
    }

    /// Where `needle` first occurs in `message`.
    public static func offset(of needle: [UInt8], in message: [UInt8]) -> Int? {
        guard message.count >= needle.count else { return nil }
        return (0...(message.count - needle.count)).first { message[$0] == needle[0] && Array(message[$0..<$0 + needle.count]) == needle }
    }

    private static func framed(_ message: [UInt8]) -> [UInt8] {
        let n = message.count
        return [0, UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + message
    }

    private func replies(from server: Int32, to client: Int32) {
        var index = 0
        while let frame = Self.readFrame(server) {
            index += 1
            var message = Array(frame[4...])
            let before = message
            alter(index, &message)
            if message != before { lock.withLock { altered += 1 } }
            guard Self.sendAll(client, Self.framed(message)) else { break }
        }
        shutdown(client, Int32(SHUT_RDWR))
    }

    private static func readFrame(_ s: Int32) -> [UInt8]? {
        guard let header = readExactly(s, 4) else { return nil }
        let n = Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard let body = readExactly(s, n) else { return nil }
        return header + body
    }

    private static func readExactly(_ s: Int32, _ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count), got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { recv(s, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return out
    }

    private static func sendAll(_ s: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(s, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
