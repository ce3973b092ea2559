/// Little-endian encoding for SMB2 and NTLMSSP messages.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { append(UInt64(v), 2) }
    mutating func u32(_ v: UInt32) { append(UInt64(v), 4) }
    mutating func u64(_ v: UInt64) { append(v, 8) }
    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func zeros(_ n: Int) { bytes += [UInt8](repeating: 0, count: n) }
    /// Pads with zeros to a multiple of `n` bytes.
    mutating func align(_ n: Int) { while bytes.count % n != 0 { bytes.append(0) } }
    /// Overwrites a little-endian field already written at `offset`.
    mutating func patch(_ v: UInt64, at offset: Int, size: Int) {
        for i in 0..<size { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    private mutating func append(_ v: UInt64, _ size: Int) {
        for i in 0..<size { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    static func utf16(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count * 2)
        for u in s.utf16 { out.append(UInt8(truncatingIfNeeded: u)); out.append(UInt8(u >> 8)) }
        return out
    }

    /// UTF-16LE bytes as a string (names on the wire); most names are ASCII, which skips the
    /// general transcoder.
    static func string(utf16 raw: [UInt8]) -> String {
        let n = raw.count / 2
        var ascii = true
        for i in 0..<n where raw[2 * i + 1] != 0 || raw[2 * i] >= 0x80 { ascii = false; break }
        if ascii { return String(unsafeUninitializedCapacity: n) { buf in
            for i in 0..<n { buf[i] = raw[2 * i] }
            return n
        } }
        return String(decoding: (0..<n).map { UInt16(raw[2 * $0]) | UInt16(raw[2 * $0 + 1]) << 8 }, as: UTF16.self)
    }
}

/// Reads little-endian fields at fixed offsets; out-of-range reads give zero (a short or
/// hostile message then fails the checks that use the value, never traps).
struct WireReader {
    let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    var count: Int { bytes.count }
    func u8(_ o: Int) -> UInt8 { UInt8(value(o, 1)) }
    func u16(_ o: Int) -> UInt16 { UInt16(value(o, 2)) }
    func u32(_ o: Int) -> UInt32 { UInt32(value(o, 4)) }
    func u64(_ o: Int) -> UInt64 { value(o, 8) }
    func slice(_ o: Int, _ n: Int) -> [UInt8] {
        guard o >= 0, n >= 0, o + n <= bytes.count else { return [] }
        let s = bytes.startIndex + o
        return Array(bytes[s..<s + n])
    }
    /// Copies `n` bytes at `o` to `destination` (file data, without an array in between); false
    /// when they are not all in the message.
    func copy(_ o: Int, _ n: Int, to destination: UnsafeMutableRawPointer) -> Bool {
        guard o >= 0, n >= 0, o + n <= bytes.count else { return false }
        bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + o, byteCount: n) }
        return true
    }

    private func value(_ o: Int, _ size: Int) -> UInt64 {
        guard o >= 0, o + size <= bytes.count else { return 0 }
        var v: UInt64 = 0
        for i in 0..<size { v |= UInt64(bytes[bytes.startIndex + o + i]) << (8 * UInt64(i)) }
        return v
    }
}
