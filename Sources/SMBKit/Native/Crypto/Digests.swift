import COpenSSL

/// The digests the SMB layer needs, from OpenSSL: MD4, MD5 and HMAC-MD5 for NTLMv2 (MS-NLMP
/// 3.3.2; broken as general-purpose hashes, used for nothing else), RC4 for NTLM's key exchange,
/// SHA-512 for SMB 3.1.1's preauthentication integrity, HMAC-SHA256 for SMB 2.x signing and the
/// SP800-108 key derivation.
enum Digest {
    static func md4(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        _ = MD4(message, message.count, &out)
        return out
    }

    static func md5(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        _ = MD5(message, message.count, &out)
        return out
    }

    static func sha512(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        _ = SHA512(message, message.count, &out)
        return out
    }

    static func hmacMD5(key: [UInt8], _ message: [UInt8]) -> [UInt8] { hmac(EVP_md5(), 16, key, message) }
    static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] { hmac(EVP_sha256(), 32, key, message) }

    private static func hmac(_ md: OpaquePointer?, _ size: Int, _ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var length: UInt32 = 0
        let ok = HMAC(md, key, Int32(key.count), message, message.count, &out, &length)
        precondition(ok != nil && Int(length) == size, "OpenSSL HMAC failed")
        return out
    }

    /// RC4 (NTLM's EncryptedRandomSessionKey, MS-NLMP 3.1.5.1.2): its only use here.
    static func rc4(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: data.count)
        cossl_rc4(key, key.count, data, &out, data.count)
        return out
    }

    /// Bytes from OpenSSL's CSPRNG (keys, nonces, challenges).
    static func random(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&out, Int32(count)) == 1, "OpenSSL RAND_bytes failed")
        return out
    }
}

/// SP800-108 key derivation in counter mode with HMAC-SHA256, as SMB 3.x derives its signing
/// and encryption keys (MS-SMB2 3.1.4.2): HMAC(Ki, i || Label || 0x00 || Context || L), i = 1.
enum KeyDerivation {
    static func smb3(_ key: [UInt8], label: [UInt8], context: [UInt8], bits: Int = 128) -> [UInt8] {
        var out: [UInt8] = []
        var i: UInt32 = 1
        while out.count * 8 < bits {
            var input = bigEndian(i)
            input += label; input.append(0); input += context; input += bigEndian(UInt32(bits))
            out += Digest.hmacSHA256(key: key, input)
            i += 1
        }
        return Array(out.prefix(bits / 8))
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
}
