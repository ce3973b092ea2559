import MigrateCore

/// A file's or folder's descriptor in one compound: open, query, close.
extension SMB2Session {
    /// Which parts: owner 1, group 2, DACL 4, SACL 8 (the SACL needs SeSecurityPrivilege).
    func securityDescriptor(_ path: String, _ info: UInt32) throws(TreeError) -> [UInt8] {
        let access: UInt32 = 0x2_0000 | 0x10_0000 | (info & 8 != 0 ? 0x100_0000 : 0)
        var query = WireWriter()
        query.u16(41); query.u8(3); query.u8(0); query.u32(65536); query.u16(0); query.u16(0); query.u32(0)
        query.u32(info); query.u32(0); query.raw(Self.relatedHandle)
        let operation = "read security descriptor"
        let r = try exchange([Self.create(path, access: access, sharing: 7, disposition: 1, options: 0),
                              Request(command: .queryInfo, body: query.bytes), Self.close()], related: true, operation: operation)
        if let failed = r.prefix(2).first(where: { $0.status != 0 }) { throw failure(failed.status, path, operation) }
        return r[1].message.slice(Int(r[1].message.u16(64 + 2)), Int(r[1].message.u32(64 + 4)))
    }
}
