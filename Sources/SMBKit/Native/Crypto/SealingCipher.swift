import COpenSSL

/// An authenticated cipher for SMB 3.x encryption, from OpenSSL: AES-128-CCM (3.0, 3.0.2;
/// 11-byte nonce), AES-128-GCM and AES-256-GCM (3.1.1; 12-byte nonce), AES-256-CCM. One key,
/// one direction, many messages, each sealed or opened in place.
final class SealingCipher {
    enum Algorithm: UInt16, Sendable {
        case aes128CCM = 1, aes128GCM = 2, aes256CCM = 3, aes256GCM = 4
        var name: String { ["", "AES-128-CCM", "AES-128-GCM", "AES-256-CCM", "AES-256-GCM"][Int(rawValue)] }
        var isCCM: Bool { self == .aes128CCM || self == .aes256CCM }
        var nonceLength: Int { isCCM ? 11 : 12 }
        var keyBits: Int { self == .aes256CCM || self == .aes256GCM ? 256 : 128 }
    }

    let algorithm: Algorithm
    private let ctx: OpaquePointer

    init(_ algorithm: Algorithm, key: [UInt8], sealing: Bool) {
        precondition(key.count * 8 == algorithm.keyBits)
        self.algorithm = algorithm
        guard let ctx = cossl_aead_new(algorithm.name, key, Int32(algorithm.nonceLength), sealing ? 1 : 0) else {
            preconditionFailure("OpenSSL could not set up \(algorithm.name)")
        }
        self.ctx = ctx
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    /// Encrypts `data` in place; returns the 16-byte tag over it and `aad`.
    func seal(_ data: UnsafeMutableRawBufferPointer, aad: UnsafeRawBufferPointer, nonce: [UInt8]) -> [UInt8] {
        precondition(nonce.count >= algorithm.nonceLength)
        var tag = [UInt8](repeating: 0, count: 16)
        let ok = cossl_aead_seal(ctx, algorithm.isCCM ? 1 : 0, nonce, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(aad.count),
                                 data.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(data.count), &tag)
        precondition(ok == 1, "OpenSSL \(algorithm.name) seal failed")
        return tag
    }

    /// Decrypts `data` in place; false (data then meaningless) when the tag does not prove it.
    func open(_ data: UnsafeMutableRawBufferPointer, aad: UnsafeRawBufferPointer, nonce: [UInt8], tag: [UInt8]) -> Bool {
        guard nonce.count >= algorithm.nonceLength, tag.count == 16 else { return false }
        return cossl_aead_open(ctx, algorithm.isCCM ? 1 : 0, nonce, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(aad.count),
                               data.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(data.count), tag) == 1
    }
}
