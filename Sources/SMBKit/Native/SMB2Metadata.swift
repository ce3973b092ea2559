import MigrateCore

/// An existing entry's times, attributes and descriptor in one compound (open, set basic
/// information, set the descriptor, close) instead of libsmbclient's xattr, utimes and chmod
/// round trips and the descriptor helper; and a new folder in one (create, close). Access is
/// checked when the handle opens, so a descriptor that excludes the account stops nothing after it.
/// An entry's metadata is read in one too (create, close).
extension SMB2Session {
    func setMetadata(_ path: String, directory: Bool, times: FileTimes, attributes: DOSAttributes,
                     securityDescriptor sd: (bytes: [UInt8], information: UInt32)?) throws(TreeError) {
        // Write attributes, synchronize; the descriptor's parts. Others may keep it open.
        var access: UInt32 = 0x0000_0100 | 0x0010_0000
        if let sd { access |= Self.access(setting: sd.information) }
        var attributes = attributes
        if directory { attributes.insert(.directory) }
        var requests = [Self.create(path, access: access, sharing: 7, disposition: 1, options: directory ? 0x1 : 0x40),
                        Self.setInfo(type: 1, fileClass: 4, Self.basicInformation(times, attributes))]
        if let sd { requests.append(Self.setInfo(type: 3, fileClass: 0, additional: sd.information, sd.bytes)) }
        requests.append(Self.close())
        let steps = ["open", "set times and attributes"] + (sd == nil ? [] : ["set security descriptor"])
        let responses = try exchange(requests, related: true, operation: "set metadata")
        for (i, r) in responses.enumerated().prefix(steps.count) where r.status != 0 {
            throw failure(r.status, path, steps[i])
        }
    }

    /// One entry's metadata from the create's answer (every time, size, attributes), then a close.
    func stat(_ path: String) throws(TreeError) -> Entry {
        let r = try exchange([Self.create(path, access: 0x80 | 0x10_0000, sharing: 7, disposition: 1, options: 0), Self.close()],
                             related: true, operation: "stat")
        if r[0].status != 0 { throw failure(r[0].status, path, "stat") }
        return DirectoryRecords.entry(path, times: r[0].message, at: 64 + 8, attributes: r[0].message.u32(64 + 56),
                                      size: r[0].message.u64(64 + 48))
    }

    /// A new folder (one that exists already fails with OBJECT_NAME_COLLISION, `.alreadyExists`).
    func makeDirectory(_ path: String) throws(TreeError) {
        // Read attributes, synchronize: what a plain mkdir asks for.
        let r = try exchange([Self.create(path, access: 0x80 | 0x10_0000, sharing: 7, disposition: 2, options: 0x1), Self.close()],
                             related: true, operation: "create folder")
        if r[0].status != 0 { throw failure(r[0].status, path, "create folder") }
    }
}
