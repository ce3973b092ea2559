import MigrateCore

/// A file's or folder's descriptor in one compound: open, query, close.
extension SMB2Session {
    /// Which parts: owner 1, group 2, DACL 4, SACL 8 (the SACL needs SeSecurityPrivilege).
    func securityDescriptor(_ path: String, _ info: UInt32) throws(TreeError) -> [UInt8] {
        let access: UInt32 = 0x2_0000 | 0x10_0000 | (info & 8 != 0 ? 0x100_0000 : 0)
        let name = Self.wireName(path)
        var create = WireWriter()
        create.u16(57); create.u8(0); create.u8(0); create.u32(2); create.u64(0); create.u64(0)
        create.u32(access); create.u32(0); create.u32(7); create.u32(1) /* open */; create.u32(0) /* file or folder */
        create.u16(64 + 56); create.u16(UInt16(name.count)); create.u32(0); create.u32(0)
        create.raw(name.isEmpty ? [0] : name)
        var query = WireWriter()
        query.u16(41); query.u8(3); query.u8(0); query.u32(65536); query.u16(0); query.u16(0); query.u32(0)
        query.u32(info); query.u32(0); query.raw(Self.relatedHandle)
        var close = WireWriter()
        close.u16(24); close.u16(0); close.u32(0); close.raw(Self.relatedHandle)
        let operation = "read security descriptor"
        let r = try exchange([Request(command: .create, body: create.bytes), Request(command: .queryInfo, body: query.bytes),
                              Request(command: .close, body: close.bytes)], related: true, operation: operation)
        if let failed = r.prefix(2).first(where: { $0.status != 0 }) { throw failure(failed.status, path, operation) }
        return r[1].message.slice(Int(r[1].message.u16(64 + 2)), Int(r[1].message.u32(64 + 4)))
    }
}
