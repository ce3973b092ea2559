import MigrateCore

/// A file's or folder's descriptor in one compound: open, query, close.
extension SMB2Session {
    /// Which parts: owner 1, group 2, DACL 4, SACL 8 (the SACL needs SeSecurityPrivilege).
    func securityDescriptor(_ path: String, _ info: UInt32) throws(TreeError) -> [UInt8] {
        let access: UInt32 = 0x2_0000 | 0x10_0000 | (info & 8 != 0 ? 0x100_0000 : 0)
        let operation = "read security descriptor"
        let r = try exchange([Self.create(path, access: access, sharing: 7, disposition: 1, options: 0),
                              Self.queryInfo(type: 3, fileClass: 0, additional: info), Self.close()], related: true, operation: operation)
        if let failed = r.prefix(2).first(where: { $0.status != 0 }) { throw failure(failed.status, path, operation) }
        return Self.outputBuffer(r[1])
    }
}
