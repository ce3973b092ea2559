import COpenSSL

/// SMB1 message signing (MS-CIFS 3.1.4.1, MS-SMB 3.1.4.1), as a Windows Server 2003 domain
/// controller requires it: the first 8 bytes of MD5(session key || message), computed with the
/// signature field holding the message's sequence number. A request takes number n and its
/// reply n + 1 (every part of a transaction reply too); the logon request that completes the
/// session is number 0, so its reply is checked with 1 and the next request is 2.
struct SMB1Signing {
    let key: [UInt8]
    private var next: UInt32 = 2
    /// The number each reply in flight must be signed with, by MID.
    private var expected: [UInt16: UInt32] = [:]

    init(key: [UInt8], logonMid: UInt16) {
        self.key = key
        expected[logonMid] = 1
    }

    /// Signs one request in place and remembers what its reply must carry.
    mutating func sign(_ message: inout [UInt8], mid: UInt16) {
        let n = next
        next &+= 2
        expected[mid] = n &+ 1
        message[10] |= 0x04 // FLAGS2 security signature
        let mac = Self.mac(key, message[...], n)
        message.replaceSubrange(14..<22, with: mac)
    }

    /// Whether a reply carries the signature its request's sequence number calls for.
    func verify(_ message: [UInt8], mid: UInt16) -> Bool {
        guard message.count >= 32, let n = expected[mid] else { return false }
        let mac = Self.mac(key, message[...], n)
        var diff: UInt8 = 0
        for i in 0..<8 { diff |= mac[i] ^ message[14 + i] }
        return diff == 0
    }

    /// The reply to `mid` is complete: its number is no longer expected.
    mutating func finished(_ mid: UInt16) { expected.removeValue(forKey: mid) }

    static func mac(_ key: [UInt8], _ message: ArraySlice<UInt8>, _ sequence: UInt32) -> [UInt8] {
        let seq: [UInt8] = [UInt8(sequence & 0xff), UInt8((sequence >> 8) & 0xff), UInt8((sequence >> 16) & 0xff), UInt8(sequence >> 24), 0, 0, 0, 0]
        var out = [UInt8](repeating: 0, count: 16)
        key.withUnsafeBytes { k in seq.withUnsafeBytes { s in message.withUnsafeBytes { m in
            var pieces = [k.baseAddress, m.baseAddress, s.baseAddress, m.baseAddress.map { $0 + 22 }].map { $0?.assumingMemoryBound(to: UInt8.self) }
            var lengths = [k.count, 14, 8, m.count - 22]
            precondition(cossl_md5(&pieces, &lengths, 4, &out) == 1, "OpenSSL MD5 failed")
        } } }
        return Array(out.prefix(8))
    }
}
