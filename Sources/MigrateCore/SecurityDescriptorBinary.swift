/// The self-relative binary form of a security descriptor (MS-DTYP 2.4.6), as SMB carries it
/// and Samba's NDR packs it. This is the lossless form: control flags and SACL included.
extension SecurityDescriptor {
    public enum BinaryError: Error, Equatable, CustomStringConvertible {
        case truncated(at: Int)
        case invalid(String)
        public var description: String {
            switch self {
            case .truncated(let at): "security descriptor truncated at byte \(at)"
            case .invalid(let why): "invalid security descriptor: \(why)"
            }
        }
    }

    public init(selfRelative bytes: [UInt8]) throws(BinaryError) {
        let r = ByteReader(bytes)
        let revision = try r.u8(0)
        let control = Control(rawValue: try r.u16(2))
        let ownerOff = Int(try r.u32(4)), groupOff = Int(try r.u32(8))
        let saclOff = Int(try r.u32(12)), daclOff = Int(try r.u32(16))
        self.init(revision: revision, control: control)
        if ownerOff != 0 { owner = try r.sid(ownerOff) }
        if groupOff != 0 { group = try r.sid(groupOff) }
        if control.contains(.saclPresent), saclOff != 0 { sacl = try r.acl(saclOff); saclRevision = try r.u8(saclOff) }
        if control.contains(.daclPresent), daclOff != 0 { dacl = try r.acl(daclOff); daclRevision = try r.u8(daclOff) }
        // Keep the flags exactly as read (init inserted present-flags from the ACLs).
        self.control = control
    }

    /// Serialises in the order Samba's NDR uses (owner, group, SACL, DACL), so a descriptor read
    /// from Samba comes back byte for byte. Control flags are kept as they are ("SACL present"
    /// with no SACL is a NULL SACL); present flags are added for ACLs that exist.
    public var selfRelative: [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        out[0] = revision
        var ctl = control.union(.selfRelative)
        if sacl != nil { ctl.insert(.saclPresent) }
        if dacl != nil { ctl.insert(.daclPresent) }
        put16(&out, 2, ctl.rawValue)
        if let owner { put32(&out, 4, UInt32(out.count)); out += owner.bytes }
        if let group { put32(&out, 8, UInt32(out.count)); out += group.bytes }
        if let sacl { put32(&out, 12, UInt32(out.count)); out += Self.aclBytes(sacl, revision: saclRevision) }
        if let dacl { put32(&out, 16, UInt32(out.count)); out += Self.aclBytes(dacl, revision: daclRevision) }
        return out
    }

    static func aclBytes(_ aces: [ACE], revision: UInt8) -> [UInt8] {
        var body: [UInt8] = []
        for ace in aces {
            let sid = ace.sid.bytes
            var a: [UInt8] = [ace.type.rawValue, ace.flags.rawValue, 0, 0, 0, 0, 0, 0]
            put16(&a, 2, UInt16(8 + sid.count))
            put32(&a, 4, ace.mask)
            body += a + sid
        }
        var header: [UInt8] = [revision, 0, 0, 0, 0, 0, 0, 0]
        put16(&header, 2, UInt16(8 + body.count))
        put16(&header, 4, UInt16(aces.count))
        return header + body
    }
}

extension SID {
    /// Binary form: revision, count, 48-bit big-endian authority, little-endian sub-authorities.
    public var bytes: [UInt8] {
        var out: [UInt8] = [revision, UInt8(subAuthorities.count)]
        for shift in stride(from: 40, through: 0, by: -8) { out.append(UInt8((authority >> UInt64(shift)) & 0xff)) }
        for s in subAuthorities { out += [UInt8(s & 0xff), UInt8((s >> 8) & 0xff), UInt8((s >> 16) & 0xff), UInt8(s >> 24)] }
        return out
    }
}

private func put16(_ b: inout [UInt8], _ at: Int, _ v: UInt16) { b[at] = UInt8(v & 0xff); b[at + 1] = UInt8(v >> 8) }
private func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
    for i in 0..<4 { b[at + i] = UInt8((v >> UInt32(8 * i)) & 0xff) }
}

private struct ByteReader {
    var bytes: [UInt8]
    init(_ b: [UInt8]) { bytes = b }

    func need(_ at: Int, _ n: Int) throws(SecurityDescriptor.BinaryError) {
        if at < 0 || at + n > bytes.count { throw .truncated(at: at) }
    }
    func u8(_ at: Int) throws(SecurityDescriptor.BinaryError) -> UInt8 { try need(at, 1); return bytes[at] }
    func u16(_ at: Int) throws(SecurityDescriptor.BinaryError) -> UInt16 {
        try need(at, 2); return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }
    func u32(_ at: Int) throws(SecurityDescriptor.BinaryError) -> UInt32 {
        try need(at, 4)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << UInt32(8 * $1) }
    }

    func sid(_ at: Int) throws(SecurityDescriptor.BinaryError) -> SID {
        let rev = try u8(at)
        let count = Int(try u8(at + 1))
        guard count <= 15 else { throw .invalid("SID with \(count) sub-authorities") }
        try need(at, 8 + 4 * count)
        var auth: UInt64 = 0
        for i in 0..<6 { auth = auth << 8 | UInt64(bytes[at + 2 + i]) }
        var subs: [UInt32] = []
        for i in 0..<count { subs.append(try u32(at + 8 + 4 * i)) }
        return SID(revision: rev, authority: auth, subAuthorities: subs)
    }

    func acl(_ at: Int) throws(SecurityDescriptor.BinaryError) -> [ACE] {
        let size = Int(try u16(at + 2)), count = Int(try u16(at + 4))
        try need(at, size)
        var aces: [ACE] = []
        var p = at + 8
        for _ in 0..<count {
            let type = try u8(p), flags = try u8(p + 1)
            let aceSize = Int(try u16(p + 2))
            guard aceSize >= 8, p + aceSize <= at + size else { throw .invalid("ACE size \(aceSize) at byte \(p)") }
            guard type <= 3 else { throw .invalid("object or callback ACE (type \(type)) at byte \(p) is not supported") }
            aces.append(ACE(type: .init(rawValue: type), flags: .init(rawValue: flags), mask: try u32(p + 4), sid: try sid(p + 8)))
            p += aceSize
        }
        return aces
    }
}
