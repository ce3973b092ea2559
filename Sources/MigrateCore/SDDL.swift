/// SDDL (Security Descriptor Definition Language), the form Windows tools and `smbcacls --sddl` use.
/// Parsing accepts aliases and rights letters; formatting is canonical (numeric SIDs, hex masks) so
/// two descriptors are equal exactly when their SDDL is.
extension SecurityDescriptor {
    public init(sddl text: String, domain: SID? = nil) throws(TextError) {
        var sd = SecurityDescriptor(control: [.selfRelative])
        var rest = Substring(text.filter { !$0.isWhitespace })
        while !rest.isEmpty {
            guard rest.count >= 2, rest[rest.index(after: rest.startIndex)] == ":" else { throw .malformed(String(rest.prefix(20))) }
            let tag = rest.first!
            rest = rest.dropFirst(2)
            // The component runs until the next "X:" tag outside parentheses.
            var end = rest.startIndex
            var depth = 0
            while end < rest.endIndex {
                let c = rest[end]
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                else if depth == 0, "OGDS".contains(c), rest.index(after: end) < rest.endIndex,
                        rest[rest.index(after: end)] == ":", end > rest.startIndex { break }
                end = rest.index(after: end)
            }
            let body = rest[..<end]
            rest = rest[end...]
            switch tag {
            case "O":
                guard let sid = SID(sddlToken: body, domain: domain) else { throw .malformed("O:\(body)") }
                sd.owner = sid
            case "G":
                guard let sid = SID(sddlToken: body, domain: domain) else { throw .malformed("G:\(body)") }
                sd.group = sid
            case "D", "S":
                let (flags, aces) = try Self.parseACL(body, domain: domain)
                if tag == "D" {
                    sd.dacl = aces; sd.control.insert(.daclPresent)
                    if flags.contains("P") { sd.control.insert(.daclProtected) }
                    if flags.contains("AR") { sd.control.insert(.daclAutoInheritRequired) }
                    if flags.contains("AI") { sd.control.insert(.daclAutoInherited) }
                } else {
                    sd.sacl = aces; sd.control.insert(.saclPresent)
                    if flags.contains("P") { sd.control.insert(.saclProtected) }
                    if flags.contains("AR") { sd.control.insert(.saclAutoInheritRequired) }
                    if flags.contains("AI") { sd.control.insert(.saclAutoInherited) }
                }
            default:
                throw .malformed(String(tag))
            }
        }
        self = sd
    }

    private static func parseACL(_ body: Substring, domain: SID?) throws(TextError) -> (Set<String>, [ACE]) {
        guard let open = body.firstIndex(of: "(") ?? Optional(body.endIndex) else { return ([], []) }
        var flagText = body[..<open]
        var flags = Set<String>()
        while !flagText.isEmpty {
            if flagText.hasPrefix("P") { flags.insert("P"); flagText = flagText.dropFirst() }
            else if flagText.hasPrefix("AR") { flags.insert("AR"); flagText = flagText.dropFirst(2) }
            else if flagText.hasPrefix("AI") { flags.insert("AI"); flagText = flagText.dropFirst(2) }
            else if flagText.hasPrefix("NO_ACCESS_CONTROL") { flagText = flagText.dropFirst(17) }
            else { throw .malformed("ACL flags \(flagText)") }
        }
        var aces: [ACE] = []
        var rest = body[open...]
        // The ")" after each "(" (text such as "D:)(" has one before it; the fuzz test found that trap).
        while let o = rest.firstIndex(of: "("), let c = rest[o...].firstIndex(of: ")") {
            aces.append(try parseACE(rest[rest.index(after: o)..<c], domain: domain))
            rest = rest[rest.index(after: c)...]
        }
        return (flags, aces)
    }

    private static let aceTypes: [String: UInt8] = ["A": 0, "D": 1, "AU": 2, "AL": 3]
    private static let aceFlags: [String: UInt8] = ["OI": 0x1, "CI": 0x2, "NP": 0x4, "IO": 0x8, "ID": 0x10, "SA": 0x40, "FA": 0x80]
    private static let rights: [String: UInt32] = [
        "GA": 0x1000_0000, "GX": 0x2000_0000, "GW": 0x4000_0000, "GR": 0x8000_0000,
        "SD": 0x10000, "RC": 0x20000, "WD": 0x40000, "WO": 0x80000,
        "CC": 0x1, "DC": 0x2, "LC": 0x4, "SW": 0x8, "RP": 0x10, "WP": 0x20, "DT": 0x40, "LO": 0x80, "CR": 0x100,
        "FA": 0x1f01ff, "FR": 0x120089, "FW": 0x120116, "FX": 0x1200a0,
        "KA": 0xf003f, "KR": 0x20019, "KW": 0x20006, "KX": 0x20019,
    ]

    private static func parseACE(_ text: Substring, domain: SID?) throws(TextError) -> ACE {
        let f = text.split(separator: ";", omittingEmptySubsequences: false)
        guard f.count == 6, let type = aceTypes[String(f[0])] else { throw .malformed("(\(text))") }
        var flags: UInt8 = 0
        var ft = f[1]
        while !ft.isEmpty {
            guard let v = aceFlags[String(ft.prefix(2))] else { throw .malformed("ACE flags in (\(text))") }
            flags |= v; ft = ft.dropFirst(2)
        }
        var mask: UInt32 = 0
        if f[2].hasPrefix("0x") || f[2].hasPrefix("0X") {
            guard let v = UInt32(f[2].dropFirst(2), radix: 16) else { throw .malformed("rights in (\(text))") }
            mask = v
        } else if let v = UInt32(f[2]) {
            mask = v
        } else {
            var rt = f[2]
            while !rt.isEmpty {
                guard let v = rights[String(rt.prefix(2))] else { throw .malformed("rights in (\(text))") }
                mask |= v; rt = rt.dropFirst(2)
            }
        }
        guard f[3].isEmpty, f[4].isEmpty else { throw .malformed("object ACEs are not supported: (\(text))") }
        guard let sid = SID(sddlToken: f[5], domain: domain) else { throw .malformed("SID in (\(text))") }
        return ACE(type: .init(rawValue: type), flags: .init(rawValue: flags), mask: mask, sid: sid)
    }

    /// Canonical SDDL: numeric SIDs, hex masks, flags in a fixed order.
    public var sddl: String {
        var out = ""
        if let owner { out += "O:\(owner)" }
        if let group { out += "G:\(group)" }
        if let dacl {
            out += "D:" + Self.aclFlags(control.contains(.daclProtected), control.contains(.daclAutoInheritRequired),
                                        control.contains(.daclAutoInherited)) + dacl.map(Self.aceSDDL).joined()
        }
        if let sacl {
            out += "S:" + Self.aclFlags(control.contains(.saclProtected), control.contains(.saclAutoInheritRequired),
                                        control.contains(.saclAutoInherited)) + sacl.map(Self.aceSDDL).joined()
        }
        return out
    }

    private static func aclFlags(_ p: Bool, _ ar: Bool, _ ai: Bool) -> String {
        (p ? "P" : "") + (ar ? "AR" : "") + (ai ? "AI" : "")
    }

    private static func aceSDDL(_ ace: ACE) -> String {
        let type = aceTypes.first { $0.value == ace.type.rawValue }?.key ?? "0x\(String(ace.type.rawValue, radix: 16))"
        let flags = [("OI", 0x1), ("CI", 0x2), ("NP", 0x4), ("IO", 0x8), ("ID", 0x10), ("SA", 0x40), ("FA", 0x80)]
            .filter { ace.flags.rawValue & UInt8($0.1) != 0 }.map(\.0).joined()
        return "(\(type);\(flags);0x\(String(ace.mask, radix: 16, uppercase: false));;;\(ace.sid))"
    }
}
