/// Builds smb:// URLs. Every path component is percent-encoded: libsmbclient decodes "%41"
/// in names, and spaces, '#' or '?' would otherwise change the URL's meaning.
enum SMBURL {
    static func make(host: String, share: String, path: String) -> String {
        var url = "smb://\(encode(host))/\(encode(share))"
        for part in path.split(separator: "/") { url += "/" + encode(part) }
        return url
    }

    private static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    static func encode(_ text: some StringProtocol) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) { out.unicodeScalars.append(UnicodeScalar(byte)) }
            else { out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2) }
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
