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
        var requests = [create(p)]
        var offset = 0
        while offset < p.data.count {
            let n = min(maxWrite, p.data.count - offset)
            requests.append(write(UnsafeRawBufferPointer(rebasing: p.data[offset..<offset + n]), at: offset))
            offset += n
        }
        requests.append(setInfo(type: 1, fileClass: 10, renameInformation(p.path)))
        requests.append(setInfo(type: 1, fileClass: 4, basicInformation(p.times, p.attributes)))
        var close = WireWriter()
        close.u16(24); close.u16(0); close.u32(0); close.raw(Self.relatedHandle)
        requests.append(Request(command: .close, body: close.bytes))

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

    /// The handle a related compound's first create opened.
    static let relatedHandle = [UInt8](repeating: 0xff, count: 16)

    private func create(_ p: Put) -> Request {
        // Write data and attributes, delete (the rename), synchronize; the descriptor's parts.
        var access: UInt32 = 0x0000_0002 | 0x0000_0100 | 0x0001_0000 | 0x0010_0000
        if let sd = p.securityDescriptor {
            access |= 0x0002_0000 | 0x0004_0000 // read control, write DAC (Samba wants both for a SACL too)
            if sd.information & 0x3 != 0 { access |= 0x0008_0000 }
            if sd.information & 0x8 != 0 { access |= 0x0100_0000 }
        }
        let name = Self.wireName(p.temporary)
        var w = WireWriter()
        w.u16(57); w.u8(0); w.u8(0); w.u32(2); w.u64(0); w.u64(0)
        w.u32(access); w.u32(0x80); w.u32(0) /* no sharing */; w.u32(5) /* overwrite or create */
        w.u32(0x40) /* not a folder */; w.u16(64 + 56); w.u16(UInt16(name.count))
        let contextsField = w.bytes.count
        w.u32(0); w.u32(0)
        w.raw(name.isEmpty ? [0] : name)
        if let sd = p.securityDescriptor {
            w.align(8)
            let start = w.bytes.count
            w.u32(0); w.u16(16); w.u16(4); w.u16(0); w.u16(24); w.u32(UInt32(sd.bytes.count))
            w.raw(Array("SecD".utf8)); w.zeros(4); w.raw(sd.bytes)
            w.patch(UInt64(64 + start), at: contextsField, size: 4)
            w.patch(UInt64(w.bytes.count - start), at: contextsField + 4, size: 4)
        }
        return Request(command: .create, body: w.bytes)
    }

    private func write(_ data: UnsafeRawBufferPointer, at offset: Int) -> Request {
        var w = WireWriter()
        w.u16(49); w.u16(64 + 48); w.u32(UInt32(data.count)); w.u64(UInt64(offset)); w.raw(Self.relatedHandle)
        w.u32(0); w.u32(0); w.u16(0); w.u16(0); w.u32(0)
        w.bytes.append(contentsOf: data)
        return Request(command: .write, body: w.bytes)
    }

    private func setInfo(type: UInt8, fileClass: UInt8, additional: UInt32 = 0, _ buffer: [UInt8]) -> Request {
        var w = WireWriter()
        w.u16(33); w.u8(type); w.u8(fileClass); w.u32(UInt32(buffer.count)); w.u16(64 + 32); w.u16(0)
        w.u32(additional); w.raw(Self.relatedHandle)
        w.raw(buffer)
        return Request(command: .setInfo, body: w.bytes)
    }

    /// Replacing what is at `path` (libsmbclient's rename does too, by deleting it first).
    private func renameInformation(_ path: String) -> [UInt8] {
        let name = Self.wireName(path)
        var w = WireWriter()
        w.u8(1); w.zeros(7); w.u64(0); w.u32(UInt32(name.count)); w.raw(name)
        return w.bytes
    }

    /// Zero leaves a time alone; attributes 0 would too, so "none" is sent as NORMAL.
    private func basicInformation(_ t: FileTimes, _ a: DOSAttributes) -> [UInt8] {
        var w = WireWriter()
        for time in [t.created, t.accessed, t.modified] { w.u64(time?.filetime ?? 0) }
        w.u64(0)
        w.u32(a.rawValue == 0 ? DOSAttributes.normal.rawValue : a.rawValue); w.u32(0)
        return w.bytes
    }

    static func wireName(_ path: String) -> [UInt8] {
        WireWriter.utf16(path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "\\"))
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
