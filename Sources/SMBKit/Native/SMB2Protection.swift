/// What protects an SMB2 session's messages once it has logged on (MS-SMB2 3.1.4): the keys
/// derived from the logon's session key, signing of every request and the check of every
/// reply's signature, or encryption of whole messages in transform headers.
final class SMB2Protection {
    let dialect: UInt16
    let signer: MessageMAC
    private let sealer: SealingCipher?
    private let opener: SealingCipher?
    /// Every request signed and every reply's signature required (the server or the plan asks).
    var signsEverything = false
    /// Every message in a transform header (the server, the share or the plan asks).
    private(set) var encrypts = false
    /// Nonces: a random prefix and a counter, never repeated under one key.
    private let noncePrefix = Digest.random(4)
    private var nonceCounter: UInt64 = 0

    var cipher: SealingCipher.Algorithm? { sealer?.algorithm }

    /// Keys per dialect: 2.x signs with the session key itself (HMAC-SHA256); 3.0 and 3.0.2
    /// derive fixed-label keys (AES-CMAC, AES-128-CCM); 3.1.1 derives them over the
    /// preauthentication hash of the negotiate and logon (the negotiated signing algorithm and cipher).
    init(dialect: UInt16, sessionKey: [UInt8], preauthHash: [UInt8], signing: MessageMAC.Algorithm, cipher: SealingCipher.Algorithm?) {
        self.dialect = dialect
        let key = Array((sessionKey + [UInt8](repeating: 0, count: 16)).prefix(16))
        let label = { (s: String) in Array(s.utf8) + [0] }
        switch dialect {
        case 0x0311:
            signer = MessageMAC(signing, key: KeyDerivation.smb3(key, label: label("SMBSigningKey"), context: preauthHash))
            if let cipher {
                // AES-256 keys derive from the whole session key (NTLM's is 16 bytes: the same).
                let k = cipher.keyBits == 256 ? sessionKey : key
                sealer = SealingCipher(cipher, key: KeyDerivation.smb3(k, label: label("SMBC2SCipherKey"), context: preauthHash, bits: cipher.keyBits), sealing: true)
                opener = SealingCipher(cipher, key: KeyDerivation.smb3(k, label: label("SMBS2CCipherKey"), context: preauthHash, bits: cipher.keyBits), sealing: false)
            } else { sealer = nil; opener = nil }
        case 0x0300, 0x0302:
            signer = MessageMAC(.aesCMAC, key: KeyDerivation.smb3(key, label: label("SMB2AESCMAC"), context: label("SmbSign")))
            sealer = SealingCipher(.aes128CCM, key: KeyDerivation.smb3(key, label: label("SMB2AESCCM"), context: label("ServerIn ")), sealing: true)
            opener = SealingCipher(.aes128CCM, key: KeyDerivation.smb3(key, label: label("SMB2AESCCM"), context: label("ServerOut")), sealing: false)
        default:
            signer = MessageMAC(.hmacSHA256, key: key)
            sealer = nil; opener = nil
        }
    }

    var canEncrypt: Bool { sealer != nil }

    /// From now on every message is encrypted; false when this dialect cannot.
    func startEncrypting() -> Bool {
        guard sealer != nil else { return false }
        encrypts = true
        return true
    }

    /// Signs the message at `range` of `bytes` in place: the signed flag, then the code over the
    /// message with a zero signature field (the compound's next element starts after `range`).
    func sign(_ bytes: inout [UInt8], _ range: Range<Int>) {
        let start = range.lowerBound
        bytes[start + 16] |= 0x08
        for i in 0..<16 { bytes[start + 48 + i] = 0 }
        let code = bytes.withUnsafeBytes { all in
            signer.code([UnsafeRawBufferPointer(rebasing: all[range])], nonce: gmacNonce(all, start, response: false))
        }
        for i in 0..<16 { bytes[start + 48 + i] = code[i] }
    }

    /// Whether the message at `range` carries its true signature (checked without copying it:
    /// header up to the signature, 16 zeros, the rest).
    func verify(_ bytes: ArraySlice<UInt8>, _ range: Range<Int>) -> Bool {
        let zeros = [UInt8](repeating: 0, count: 16)
        return bytes.withUnsafeBytes { all in
            let s = range.lowerBound, e = range.upperBound
            guard e - s >= 64 else { return false }
            let code = zeros.withUnsafeBytes { z in
                signer.code([UnsafeRawBufferPointer(rebasing: all[s..<s + 48]), z, UnsafeRawBufferPointer(rebasing: all[s + 64..<e])],
                            nonce: gmacNonce(all, s, response: true))
            }
            var same: UInt8 = 0
            for i in 0..<16 { same |= code[i] ^ all[s + 48 + i] }
            return same == 0
        }
    }

    /// AES-GMAC's nonce: the message id, then whether it travels server to client (and is a cancel).
    private func gmacNonce(_ message: UnsafeRawBufferPointer, _ start: Int, response: Bool) -> [UInt8] {
        guard signer.algorithm == .aesGMAC else { return [] }
        var nonce = Array(message[start + 24..<start + 32])
        let cancel = message[start + 12] == 0x0C && message[start + 13] == 0
        nonce += [(response ? 1 : 0) | (cancel ? 2 : 0), 0, 0, 0]
        return nonce
    }

    /// The transform header (52 bytes) and the encrypted message, under a nonce never used before.
    func seal(_ message: [UInt8], sessionId: UInt64) -> [UInt8] {
        guard let sealer else { preconditionFailure("seal without a cipher") }
        nonceCounter += 1
        let nonce = noncePrefix + (0..<8).map { UInt8(truncatingIfNeeded: nonceCounter >> (8 * UInt64($0))) }
        return Self.transform(message, sessionId: sessionId, nonce: Array(nonce.prefix(sealer.algorithm.nonceLength)), sealer)
    }

    /// The header from its nonce on is authenticated with the message (MS-SMB2 3.1.4.3).
    static func transform(_ message: [UInt8], sessionId: UInt64, nonce: [UInt8], _ sealer: SealingCipher) -> [UInt8] {
        var w = WireWriter()
        w.bytes.reserveCapacity(52 + message.count)
        w.raw([0xFD, 0x53, 0x4D, 0x42]); w.zeros(16)
        w.raw(nonce); w.zeros(16 - nonce.count)
        w.u32(UInt32(message.count)); w.u16(0); w.u16(1); w.u64(sessionId)
        w.bytes += message
        let tag = w.bytes.withUnsafeMutableBytes { all -> [UInt8] in
            sealer.seal(UnsafeMutableRawBufferPointer(rebasing: all[52...]), aad: UnsafeRawBufferPointer(rebasing: all[20..<52]), nonce: nonce)
        }
        w.bytes.replaceSubrange(4..<20, with: tag)
        return w.bytes
    }

    enum OpenFailure: Error { case malformed(String), forged }

    /// Decrypts a transform message in place; what it held starts at byte 52.
    func open(_ frame: inout [UInt8], sessionId: UInt64) throws(OpenFailure) {
        guard let opener else { throw .malformed("an encrypted reply on a session without encryption keys") }
        let r = WireReader(frame)
        guard frame.count >= 52 + 64 else { throw .malformed("a transform header shorter than a message") }
        guard r.u16(42) == 1 else { throw .malformed("a transform header whose flags are \(r.u16(42)), not 'encrypted'") }
        guard r.u64(44) == sessionId else { throw .malformed("a transform header for another session") }
        guard Int(r.u32(36)) == frame.count - 52 else { throw .malformed("a transform header whose size does not match its message") }
        let tag = Array(frame[4..<20]), nonce = Array(frame[20..<20 + opener.algorithm.nonceLength])
        let ok = frame.withUnsafeMutableBytes { all in
            opener.open(UnsafeMutableRawBufferPointer(rebasing: all[52...]), aad: UnsafeRawBufferPointer(rebasing: all[20..<52]), nonce: nonce, tag: tag)
        }
        guard ok else { throw .forged }
    }

    var summary: String {
        if encrypts, let c = sealer?.algorithm { return "encrypted \(c.name)" }
        return signsEverything ? "signed \(signer.algorithm.name)" : "not signed"
    }
}
