/// libsmbclient's text form of a descriptor (`system.nt_sec_desc.*` with numeric SIDs), which
/// `smbcacls --numeric` prints too: `REVISION:1,OWNER:S-..,GROUP:S-..,ACL:S-..:type/flags/0xmask,…`.
/// It cannot carry control flags or a SACL, so descriptors travel as binary (SMBKit's helper);
/// this parser reads what the independent tools print.
extension SecurityDescriptor {
    public enum TextError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        public var description: String { switch self { case .malformed(let s): "malformed descriptor text: \(s)" } }
    }

    public init(libsmbclientText text: String) throws(TextError) {
        var sd = SecurityDescriptor(control: [.selfRelative])
        var aces: [ACE] = []
        // Fields are comma separated; SIDs and ACE bodies contain no commas.
        for field in text.split(separator: ",") {
            guard let colon = field.firstIndex(of: ":") else { throw .malformed(String(field)) }
            let key = field[..<colon].uppercased()
            let value = field[field.index(after: colon)...]
            switch key {
            case "REVISION":
                guard let r = UInt8(value) else { throw .malformed(String(field)) }
                sd.revision = r
            case "OWNER":
                guard let sid = SID(value) else { throw .malformed(String(field)) }
                sd.owner = sid
            case "GROUP":
                guard let sid = SID(value) else { throw .malformed(String(field)) }
                sd.group = sid
            case "ACL":
                // SID:type/flags/mask, SID itself has no ':'.
                guard let sep = value.lastIndex(of: ":"), let sid = SID(value[..<sep]) else { throw .malformed(String(field)) }
                let parts = value[value.index(after: sep)...].split(separator: "/")
                guard parts.count == 3, let t = Self.number(parts[0]), let f = Self.number(parts[1]),
                      let m = Self.number(parts[2]), t <= 0xff, f <= 0xff, m <= 0xffff_ffff
                else { throw .malformed(String(field)) }
                aces.append(ACE(type: .init(rawValue: UInt8(t)), flags: .init(rawValue: UInt8(f)), mask: UInt32(m), sid: sid))
            default:
                throw .malformed(String(field))
            }
        }
        sd.dacl = aces
        sd.control.insert(.daclPresent)
        self = sd
    }

    private static func number(_ s: Substring) -> UInt64? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16) }
        return UInt64(s)
    }
}
