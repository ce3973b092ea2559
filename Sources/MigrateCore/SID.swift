/// A Windows security identifier, e.g. S-1-5-21-1004336348-1177238915-682003330-1105.
public struct SID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var revision: UInt8
    public var authority: UInt64
    public var subAuthorities: [UInt32]

    public init(revision: UInt8 = 1, authority: UInt64, subAuthorities: [UInt32]) {
        self.revision = revision; self.authority = authority; self.subAuthorities = subAuthorities
    }

    /// Parses "S-1-5-32-544"; nil when the text is not a SID.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "S" || parts[0] == "s",
              let rev = UInt8(parts[1]), parts.count - 3 <= 15 else { return nil }
        let authText = parts[2]
        let auth: UInt64?
        if authText.hasPrefix("0x") || authText.hasPrefix("0X") { auth = UInt64(authText.dropFirst(2), radix: 16) }
        else { auth = UInt64(authText) }
        guard let auth, auth < (1 << 48) else { return nil }
        var subs: [UInt32] = []
        for p in parts.dropFirst(3) { guard let v = UInt32(p) else { return nil }; subs.append(v) }
        self.init(revision: rev, authority: auth, subAuthorities: subs)
    }

    public var description: String {
        "S-\(revision)-\(authority)" + subAuthorities.map { "-\($0)" }.joined()
    }

    /// The domain part of a domain account SID (all but the last sub-authority), for S-1-5-21-… SIDs.
    public var domain: SID? {
        guard authority == 5, subAuthorities.first == 21, subAuthorities.count == 5 else { return nil }
        return SID(revision: revision, authority: authority, subAuthorities: Array(subAuthorities.dropLast()))
    }

    /// Well-known SIDs that mean the same on every Windows machine: never translated.
    public var isWellKnown: Bool {
        if authority != 5 { return true }                 // S-1-1-0 Everyone, S-1-3-0 Creator Owner, …
        guard let first = subAuthorities.first else { return true }
        return first != 21                                  // S-1-5-18 SYSTEM, S-1-5-32-* BUILTIN, …
    }

    public static func < (a: SID, b: SID) -> Bool { a.description < b.description }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let sid = SID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a SID: \(text)"))
        }
        self = sid
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    // SDDL's two-letter aliases for well-known SIDs (the subset Windows and Samba print).
    static let aliases: [String: String] = [
        "WD": "S-1-1-0", "CO": "S-1-3-0", "CG": "S-1-3-1", "OW": "S-1-3-4", "NU": "S-1-5-2", "IU": "S-1-5-4",
        "SU": "S-1-5-6", "AN": "S-1-5-7", "ED": "S-1-5-9", "PS": "S-1-5-10", "AU": "S-1-5-11", "RC": "S-1-5-12",
        "SY": "S-1-5-18", "LS": "S-1-5-19", "NS": "S-1-5-20", "BA": "S-1-5-32-544", "BU": "S-1-5-32-545",
        "BG": "S-1-5-32-546", "PU": "S-1-5-32-547", "AO": "S-1-5-32-548", "SO": "S-1-5-32-549",
        "PO": "S-1-5-32-550", "BO": "S-1-5-32-551", "RE": "S-1-5-32-552", "RU": "S-1-5-32-554",
        "RD": "S-1-5-32-555", "NO": "S-1-5-32-556",
    ]
    /// Domain-relative aliases (resolved against a domain SID).
    static let domainAliases: [String: UInt32] = [
        "LA": 500, "LG": 501, "DA": 512, "DU": 513, "DG": 514, "DC": 515, "DD": 516, "CA": 517,
        "SA": 518, "EA": 519, "PA": 520,
    ]

    /// Resolves an SDDL SID token: "S-1-…", a well-known alias, or a domain alias when `domain` is given.
    public init?(sddlToken token: some StringProtocol, domain: SID? = nil) {
        if let sid = SID(token) { self = sid; return }
        let t = String(token).uppercased()
        if let text = Self.aliases[t], let sid = SID(text) { self = sid; return }
        if let rid = Self.domainAliases[t], let domain {
            self = SID(revision: domain.revision, authority: domain.authority, subAuthorities: domain.subAuthorities + [rid])
            return
        }
        return nil
    }
}
