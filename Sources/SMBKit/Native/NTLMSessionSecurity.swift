/// NTLM's message signatures (MS-NLMP 3.4.4.2, extended session security), used once per logon:
/// the SPNEGO mechListMIC each side sends over the mechanism list, which proves the negotiation
/// was not altered and that the server holds the same session key.
struct NTLMSessionSecurity {
    let clientSigningKey: [UInt8], clientSealingKey: [UInt8]
    let serverSigningKey: [UInt8], serverSealingKey: [UInt8]
    /// Under key exchange the checksum travels RC4-encrypted with the sealing key.
    let keyExchange: Bool

    init(exportedSessionKey key: [UInt8], flags: UInt32) {
        keyExchange = flags & NTLMAuthenticator.keyExchangeFlag != 0
        // SEALKEY (3.4.5.3): the whole key with 128-bit, 7 bytes with 56-bit, else 5.
        let sealBase = flags & 0x2000_0000 != 0 ? key : Array(key.prefix(flags & 0x8000_0000 != 0 ? 7 : 5))
        func derive(_ base: [UInt8], _ magic: String) -> [UInt8] { Digest.md5(base + Array(magic.utf8) + [0]) }
        clientSigningKey = derive(key, "session key to client-to-server signing key magic constant")
        clientSealingKey = derive(sealBase, "session key to client-to-server sealing key magic constant")
        serverSigningKey = derive(key, "session key to server-to-client signing key magic constant")
        serverSealingKey = derive(sealBase, "session key to server-to-client sealing key magic constant")
    }

    /// Version 1, the 8-byte checksum, the sequence number; the first message each way (a fresh
    /// RC4 handle, sequence 0) is the only one signed here.
    static func signature(_ message: [UInt8], signingKey: [UInt8], sealingKey: [UInt8], keyExchange: Bool, sequence: UInt32 = 0) -> [UInt8] {
        var seq = WireWriter(); seq.u32(sequence)
        var checksum = Array(Digest.hmacMD5(key: signingKey, seq.bytes + message).prefix(8))
        if keyExchange { checksum = Digest.rc4(key: sealingKey, checksum) }
        var w = WireWriter()
        w.u32(1); w.raw(checksum); w.u32(sequence)
        return w.bytes
    }

    /// The client's mechListMIC.
    func clientMIC(_ message: [UInt8]) -> [UInt8] {
        Self.signature(message, signingKey: clientSigningKey, sealingKey: clientSealingKey, keyExchange: keyExchange)
    }

    /// Whether the server's mechListMIC is the one its keys give (compared in constant time).
    func serverMICMatches(_ mic: [UInt8], _ message: [UInt8]) -> Bool {
        let expected = Self.signature(message, signingKey: serverSigningKey, sealingKey: serverSealingKey, keyExchange: keyExchange)
        guard mic.count == expected.count else { return false }
        return zip(mic, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
