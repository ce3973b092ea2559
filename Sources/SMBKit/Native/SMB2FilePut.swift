import MigrateCore

/// A whole small file written as one compound: create under the temporary name with its
/// descriptor (an "SecD" create context: the server stores it instead of computing an inherited
/// one), write, rename into place, set times and attributes, close. Access is checked when the
/// handle opens, so a descriptor that excludes the account no longer stops what follows, and
/// times set through the handle stay (the server does not move them again at close).
extension SMB2Session {
    struct Put {
        var path: String
        var temporary: String
        var data: UnsafeRawBufferPointer
        var times: FileTimes
        var attributes: DOSAttributes
        /// Self-relative, and which parts of it to set (owner 1, group 2, DACL 4, SACL 8).
        var securityDescriptor: (bytes: [UInt8], information: UInt32)?
    }

    /// How many bytes one compound carries: up to 16 writes of `maxWrite`, within the credits the
    /// server has granted (five more requests go with them); 0 while it has granted too few.
    var putLimit: Int { maxWrite * max(0, min(16, availableCredits - 5)) }

    func put(_ p: Put) throws(TreeError) {
        // Write data and attributes, delete (the rename), synchronize; the descriptor's parts. No sharing.
        var access: UInt32 = 0x0000_0002 | 0x0000_0100 | 0x0001_0000 | 0x0010_0000
        if let sd = p.securityDescriptor { access |= Self.access(setting: sd.information) }
        var requests = [Self.create(p.temporary, access: access, attributes: 0x80, sharing: 0, disposition: 5, options: 0x40,
                                    securityDescriptor: p.securityDescriptor?.bytes)]
        var offset = 0
        while offset < p.data.count {
            let n = min(maxWrite, p.data.count - offset)
            requests.append(Self.write(UnsafeRawBufferPointer(rebasing: p.data[offset..<offset + n]), at: UInt64(offset)))
            offset += n
        }
        requests.append(Self.setInfo(type: 1, fileClass: 10, Self.renameInformation(p.path)))
        requests.append(Self.setInfo(type: 1, fileClass: 4, Self.basicInformation(p.times, p.attributes)))
        requests.append(Self.close())

        let responses = try exchange(requests, related: true, operation: "write")
        for (i, r) in responses.enumerated() where r.status != 0 {
            let (path, step) = Self.describe(requests[i], p)
            throw failure(r.status, path, step)
        }
        // Every write must have taken all its bytes (the temporary file was already renamed, so
        // a short one must fail the copy: the catalog then does not record it as done).
        for (i, r) in responses.enumerated() where requests[i].command == .write {
            let asked = Int(WireReader(requests[i].body).u32(4)), taken = Int(r.message.u32(64 + 4))
            if taken != asked {
                throw TreeError(.io, tree: displayName, path: p.path, operation: "write", detail: "the server took \(taken) of \(asked) bytes")
            }
        }
    }

    /// WRITE of `data` at `offset` to `handle` (the related one by default).
    static func write(_ data: UnsafeRawBufferPointer, at offset: UInt64, handle: [UInt8] = relatedHandle) -> Request {
        var w = WireWriter()
        w.bytes.reserveCapacity(48 + data.count)
        w.u16(49); w.u16(64 + 48); w.u32(UInt32(data.count)); w.u64(offset); w.raw(handle)
        w.u32(0); w.u32(0); w.u16(0); w.u16(0); w.u32(0)
        w.bytes.append(contentsOf: data)
        return Request(command: .write, body: w.bytes)
    }

    /// Replacing what is at `path` (libsmbclient's rename does too, by deleting it first).
    static func renameInformation(_ path: String) -> [UInt8] {
        let name = Self.wireName(path)
        var w = WireWriter()
        w.u8(1); w.zeros(7); w.u64(0); w.u32(UInt32(name.count)); w.raw(name)
        return w.bytes
    }

    private static func describe(_ r: Request, _ p: Put) -> (String, String) {
        switch r.command {
        case .create: (p.temporary, "create temporary file")
        case .write: (p.temporary, "write")
        case .close: (p.path, "close")
        default: r.body[3] == 10 ? (p.temporary, "rename to \(p.path)") : (p.path, "set times and attributes")
        }
    }
}
