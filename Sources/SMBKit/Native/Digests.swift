import Glibc

/// MD4 and MD5 with HMAC-MD5: what NTLMv2 needs to prove the password (MS-NLMP 3.3.2).
/// Not for anything else: both are broken as general-purpose hashes.
enum Digest {
    static func md4(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
        for block in blocks(message) {
            var (a, b, c, d) = (state[0], state[1], state[2], state[3])
            for i in 0..<48 {
                let round = i / 16, step = i % 16
                let f: UInt32, k: Int, add: UInt32
                switch round {
                case 0: f = (b & c) | (~b & d); k = step; add = 0
                case 1: f = (b & c) | (b & d) | (c & d); k = (step % 4) * 4 + step / 4; add = 0x5a82_7999
                default: f = b ^ c ^ d; k = md4Order3[step]; add = 0x6ed9_eba1
                }
                let t = a &+ f &+ block[k] &+ add
                (a, d, c) = (d, c, b)
                b = rotl(t, md4Shifts[round][step % 4])
            }
            state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        }
        return littleEndian(state)
    }

    static func md5(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
        for block in blocks(message) {
            var (a, b, c, d) = (state[0], state[1], state[2], state[3])
            for i in 0..<64 {
                let f: UInt32, g: Int
                switch i / 16 {
                case 0: f = (b & c) | (~b & d); g = i
                case 1: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
                case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * i) % 16
                }
                let t = a &+ f &+ md5K[i] &+ block[g]
                (a, d, c) = (d, c, b)
                b = b &+ rotl(t, md5Shifts[i / 16][i % 4])
            }
            state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        }
        return littleEndian(state)
    }

    static func hmacMD5(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? md5(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        return md5(k.map { $0 ^ 0x5c } + md5(k.map { $0 ^ 0x36 } + message))
    }

    private static let md4Order3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]
    private static let md4Shifts: [[UInt32]] = [[3, 7, 11, 19], [3, 5, 9, 13], [3, 9, 11, 15]]
    private static let md5Shifts: [[UInt32]] = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]]
    private static let md5K: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4_294_967_296)) }

    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }

    /// MD4 and MD5 share their padding: 0x80, zeros, the bit length little-endian; 16 words a block.
    private static func blocks(_ message: [UInt8]) -> [[UInt32]] {
        var m = message
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        let bits = UInt64(message.count) * 8
        for i in 0..<8 { m.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        return stride(from: 0, to: m.count, by: 64).map { start in
            (0..<16).map { w in
                let o = start + 4 * w
                return UInt32(m[o]) | UInt32(m[o + 1]) << 8 | UInt32(m[o + 2]) << 16 | UInt32(m[o + 3]) << 24
            }
        }
    }

    private static func littleEndian(_ words: [UInt32]) -> [UInt8] {
        words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * UInt32($0))) } }
    }
}
