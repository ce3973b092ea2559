/// The few DER shapes of SPNEGO (RFC 4178) a client logon needs: the NegTokenInit offering
/// NTLMSSP, NegTokenResp both ways, and the mechListMIC that binds the offered mechanism list
/// to the session key (MS-SPNG 3.1.5.1), so an on-path attacker cannot trim it.
enum SPNEGO {
    static let spnegoOID: [UInt8] = [0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]
    static let ntlmOID: [UInt8] = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]
    /// The MechTypeList exactly as sent: what the mechListMIC signs.
    static let mechTypes: [UInt8] = tlv(0x30, ntlmOID)

    /// NegTokenInit offering NTLMSSP, carrying its first message.
    static func initial(_ token: [UInt8]) -> [UInt8] {
        let mechToken = tlv(0xa2, tlv(0x04, token))
        return tlv(0x60, spnegoOID + tlv(0xa0, tlv(0x30, tlv(0xa0, mechTypes) + mechToken)))
    }

    /// NegTokenResp carrying the next message, and the mechListMIC when there is one.
    static func response(_ token: [UInt8], mechListMIC: [UInt8] = []) -> [UInt8] {
        let mic = mechListMIC.isEmpty ? [] : tlv(0xa3, tlv(0x04, mechListMIC))
        return tlv(0xa1, tlv(0x30, tlv(0xa2, tlv(0x04, token)) + mic))
    }

    /// What a server's NegTokenResp carries (each field optional).
    struct Response: Equatable {
        var state: UInt8?
        var token: [UInt8]?
        var mechListMIC: [UInt8]?
    }

    /// Reads a NegTokenResp; nil when the blob is not one (every length checked against the blob).
    static func parseResponse(_ blob: [UInt8]) -> Response? {
        guard let outer = element(blob[...], tag: 0xa1), let sequence = element(outer, tag: 0x30) else { return nil }
        var response = Response()
        var rest = sequence
        while !rest.isEmpty {
            guard let (tag, content, after) = next(rest) else { return nil }
            switch tag {
            case 0xa0: if let e = element(content, tag: 0x0a), e.count == 1 { response.state = e.first }
            case 0xa2: response.token = element(content, tag: 0x04).map(Array.init)
            case 0xa3: response.mechListMIC = element(content, tag: 0x04).map(Array.init)
            default: break
            }
            rest = after
        }
        return response
    }

    /// The content of the one element `tag` that `bytes` must start with.
    private static func element(_ bytes: ArraySlice<UInt8>, tag: UInt8) -> ArraySlice<UInt8>? {
        guard let (t, content, _) = next(bytes), t == tag else { return nil }
        return content
    }

    /// Tag, content and what follows, of the element at the start of `bytes`.
    private static func next(_ bytes: ArraySlice<UInt8>) -> (UInt8, ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        guard bytes.count >= 2 else { return nil }
        let s = bytes.startIndex
        let first = Int(bytes[s + 1])
        var length = first, header = 2
        if first >= 0x80 {
            let n = first & 0x7f
            // Up to 3 length bytes: no SPNEGO token of a logon is 16 MiB.
            guard (1...3).contains(n), bytes.count >= 2 + n else { return nil }
            length = 0
            for i in 0..<n { length = length << 8 | Int(bytes[s + 2 + i]) }
            header = 2 + n
        }
        guard length <= bytes.count - header else { return nil }
        let start = s + header
        return (bytes[s], bytes[start..<start + length], bytes[(start + length)...])
    }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let n = content.count
        let length: [UInt8] = n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : n < 0x10000 ? [0x82, UInt8(n >> 8), UInt8(n & 0xff)]
            : [0x83, UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
        return [tag] + length + content
    }
}
