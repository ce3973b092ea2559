/// DOS/NTFS file attributes as SMB carries them.
public struct DOSAttributes: OptionSet, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let readOnly = DOSAttributes(rawValue: 0x01)
    public static let hidden = DOSAttributes(rawValue: 0x02)
    public static let system = DOSAttributes(rawValue: 0x04)
    public static let directory = DOSAttributes(rawValue: 0x10)
    public static let archive = DOSAttributes(rawValue: 0x20)
    public static let normal = DOSAttributes(rawValue: 0x80)
    public static let temporary = DOSAttributes(rawValue: 0x100)
    public static let sparse = DOSAttributes(rawValue: 0x200)
    public static let reparsePoint = DOSAttributes(rawValue: 0x400)
    public static let compressed = DOSAttributes(rawValue: 0x800)
    public static let offline = DOSAttributes(rawValue: 0x1000)
    public static let notContentIndexed = DOSAttributes(rawValue: 0x2000)
    public static let encrypted = DOSAttributes(rawValue: 0x4000)

    /// The attributes a migration carries (Samba stores only these).
    public static let portable: DOSAttributes = [.readOnly, .hidden, .system, .archive]

    static let letters: [(DOSAttributes, Character)] = [
        (.readOnly, "R"), (.hidden, "H"), (.system, "S"), (.directory, "D"), (.archive, "A"),
        (.temporary, "T"), (.sparse, "P"), (.reparsePoint, "L"), (.compressed, "C"), (.offline, "O"),
        (.notContentIndexed, "I"), (.encrypted, "E"),
    ]

    /// Letters as `attrib` and smbclient print them, e.g. "RA" or "HS".
    public var description: String { String(Self.letters.filter { contains($0.0) }.map(\.1)) }

    public init(letters: String) {
        var value: DOSAttributes = []
        for ch in letters.uppercased() { if let hit = Self.letters.first(where: { $0.1 == ch }) { value.insert(hit.0) } }
        self = value
    }
}
