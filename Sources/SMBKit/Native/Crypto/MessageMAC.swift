import COpenSSL

/// A keyed message authentication code kept for a session's life: HMAC-SHA256 (SMB 2.0.2,
/// 2.1; truncated to 16 bytes), AES-128-CMAC (SMB 3.x) or AES-128-GMAC (SMB 3.1.1 with the
/// signing-capabilities context), all from OpenSSL.
final class MessageMAC {
    enum Algorithm: UInt16, Sendable {
        case hmacSHA256 = 0, aesCMAC = 1, aesGMAC = 2
        var name: String { ["HMAC-SHA256", "AES-128-CMAC", "AES-128-GMAC"][Int(rawValue)] }
    }

    let algorithm: Algorithm
    private let mac: OpaquePointer?
    private let gcm: OpaquePointer?

    init(_ algorithm: Algorithm, key: [UInt8]) {
        self.algorithm = algorithm
        switch algorithm {
        case .hmacSHA256:
            mac = cossl_mac_new("HMAC", OSSL_MAC_PARAM_DIGEST, "SHA256", key, key.count); gcm = nil
        case .aesCMAC:
            mac = cossl_mac_new("CMAC", OSSL_MAC_PARAM_CIPHER, "AES-128-CBC", key, key.count); gcm = nil
        case .aesGMAC:
            mac = nil; gcm = cossl_aead_new("AES-128-GCM", key, 12, 1)
        }
        precondition(mac != nil || gcm != nil, "OpenSSL could not set up \(algorithm.name)")
    }

    deinit {
        if let mac { EVP_MAC_CTX_free(mac) }
        if let gcm { EVP_CIPHER_CTX_free(gcm) }
    }

    /// The 16-byte code over the pieces in order, as if they were one message (a signed SMB2
    /// message is its header up to the signature, 16 zeros, then the rest). GMAC takes its
    /// 12-byte nonce; the others ignore it.
    func code(_ pieces: [UnsafeRawBufferPointer], nonce: [UInt8] = []) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var starts = pieces.map { $0.baseAddress?.assumingMemoryBound(to: UInt8.self) }
        var lengths = pieces.map(\.count)
        if let gcm {
            precondition(nonce.count == 12)
            precondition(cossl_gmac(gcm, nonce, &starts, &lengths, Int32(pieces.count), &out) == 1, "OpenSSL GMAC failed")
        } else {
            var length = 0
            let ok = cossl_mac(mac, &starts, &lengths, Int32(pieces.count), &out, 32, &length)
            precondition(ok == 1 && length >= 16, "OpenSSL \(algorithm.name) failed")
        }
        return Array(out.prefix(16))
    }

    func code(_ message: [UInt8], nonce: [UInt8] = []) -> [UInt8] {
        message.withUnsafeBytes { code([$0], nonce: nonce) }
    }
}
