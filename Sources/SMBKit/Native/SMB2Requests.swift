import MigrateCore

/// The request bodies the direct SMB2 session's compounds are made of (MS-SMB2 2.2.13, 2.2.15,
/// 2.2.39): one way to build each, for the put, the listing, the descriptor read and the
/// metadata set.
extension SMB2Session {
    /// The handle a related compound's first create opened.
    static let relatedHandle = [UInt8](repeating: 0xff, count: 16)

    /// CREATE of `path` (from the share root) with the access asked for, sharing, disposition
    /// (1 open, 2 create, 5 overwrite or create) and options (0x1 a folder, 0x40 not a folder);
    /// `securityDescriptor` goes along as an SecD create context.
    static func create(_ path: String, access: UInt32, attributes: UInt32 = 0, sharing: UInt32, disposition: UInt32,
                       options: UInt32, securityDescriptor: [UInt8]? = nil) -> Request {
        let name = wireName(path)
        var w = WireWriter()
        w.u16(57); w.u8(0); w.u8(0); w.u32(2); w.u64(0); w.u64(0)
        w.u32(access); w.u32(attributes); w.u32(sharing); w.u32(disposition); w.u32(options)
        w.u16(64 + 56); w.u16(UInt16(name.count))
        let contextsField = w.bytes.count
        w.u32(0); w.u32(0)
        w.raw(name.isEmpty ? [0] : name)
        if let sd = securityDescriptor {
            w.align(8)
            let start = w.bytes.count
            w.u32(0); w.u16(16); w.u16(4); w.u16(0); w.u16(24); w.u32(UInt32(sd.count))
            w.raw(Array("SecD".utf8)); w.zeros(4); w.raw(sd)
            w.patch(UInt64(64 + start), at: contextsField, size: 4)
            w.patch(UInt64(w.bytes.count - start), at: contextsField + 4, size: 4)
        }
        return Request(command: .create, body: w.bytes)
    }

    /// SET_INFO on the related handle: `type` 1 file (`fileClass` 4 basic, 10 rename), 3 security
    /// (`additional` says which parts).
    static func setInfo(type: UInt8, fileClass: UInt8, additional: UInt32 = 0, _ buffer: [UInt8], handle: [UInt8] = relatedHandle) -> Request {
        var w = WireWriter()
        w.u16(33); w.u8(type); w.u8(fileClass); w.u32(UInt32(buffer.count)); w.u16(64 + 32); w.u16(0)
        w.u32(additional); w.raw(handle)
        w.raw(buffer)
        return Request(command: .setInfo, body: w.bytes)
    }

    /// CLOSE of `handle` (the related one by default).
    static func close(_ handle: [UInt8] = relatedHandle) -> Request {
        var w = WireWriter()
        w.u16(24); w.u16(0); w.u32(0); w.raw(handle)
        return Request(command: .close, body: w.bytes)
    }

    /// FileBasicInformation: zero leaves a time alone, and attributes 0 would too, so "none" is
    /// sent as NORMAL (a folder's as DIRECTORY).
    static func basicInformation(_ t: FileTimes, _ a: DOSAttributes) -> [UInt8] {
        var w = WireWriter()
        for time in [t.created, t.accessed, t.modified] { w.u64(time?.filetime ?? 0) }
        w.u64(0)
        w.u32(a.rawValue == 0 ? DOSAttributes.normal.rawValue : a.rawValue); w.u32(0)
        return w.bytes
    }

    /// The access a descriptor set needs, by the parts it carries (owner 1, group 2, DACL 4, SACL 8).
    static func access(setting information: UInt32) -> UInt32 {
        var access: UInt32 = 0x0002_0000 | 0x0004_0000 // read control, write DAC (Samba wants both for a SACL too)
        if information & 0x3 != 0 { access |= 0x0008_0000 }
        if information & 0x8 != 0 { access |= 0x0100_0000 }
        return access
    }

    static func wireName(_ path: String) -> [UInt8] {
        WireWriter.utf16(path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "\\"))
    }
}
