import MigrateCore

/// A whole small file from an SMB2/3 server (a Windows Server 2008 R2 or 2012 source) in one
/// compound: open (its answer carries every time, the attributes and the size), the reads, the
/// descriptor, the stream list, close. libsmbclient, allinfo and the descriptor helper took about
/// a dozen requests on three connections for the same.
extension SMB2Session {
    /// Files up to this size are read in one compound: reads of `maxRead` within the credits the
    /// server has granted (four more requests go with them).
    var readLimit: Int { maxRead * max(0, min(16, availableCredits - 4)) }

    /// `size` is the size the listing gave: the reads cover it, and a file whose size moved
    /// since is reported as changed (the pass retries it). `securityInformation`: the descriptor
    /// parts to read (8 = SACL needs the privilege), nil for none.
    func readWhole(_ path: String, size: UInt64, into buffer: UnsafeMutableRawBufferPointer,
                   securityInformation: UInt32?) throws(TreeError) -> DirectWholeRead {
        guard size <= UInt64(min(buffer.count, readLimit)) else {
            throw TreeError(.io, tree: displayName, path: path, operation: "read", detail: "\(size) bytes do not fit one compound")
        }
        // Read data and attributes, read control, synchronize (and the SACL's access right); others may keep it open.
        let access: UInt32 = 0x1 | 0x80 | 0x2_0000 | 0x10_0000 | ((securityInformation ?? 0) & 8 != 0 ? 0x100_0000 : 0)
        var requests = [Self.create(path, access: access, sharing: 7, disposition: 1, options: 0x40)]
        var offset: UInt64 = 0
        while offset < size {
            requests.append(Self.read(at: offset, count: UInt32(min(UInt64(maxRead), size - offset))))
            offset += UInt64(maxRead)
        }
        let reads = requests.count - 1
        if let info = securityInformation { requests.append(Self.queryInfo(type: 3, fileClass: 0, additional: info)) }
        requests.append(Self.queryInfo(type: 1, fileClass: 22)) // FileStreamInformation
        requests.append(Self.close())
        let steps = ["open for reading"] + [String](repeating: "read", count: reads)
            + (securityInformation != nil ? ["read security descriptor"] : []) + ["list streams"]
        let r = try exchange(requests, related: true, operation: "read")
        let open = r[0].message
        if r[0].status != 0 { throw failure(r[0].status, path, steps[0]) }
        let endOfFile = open.u64(64 + 48)
        if endOfFile != size || r[1..<1 + reads].contains(where: { $0.status == NTStatus.endOfFile }) {
            throw TreeError(.busy, tree: displayName, path: path, operation: "read", detail: "size changed while copying (\(size) listed, \(endOfFile) now)")
        }
        for (i, x) in r.enumerated().prefix(steps.count) where x.status != 0 { throw failure(x.status, path, steps[i]) }
        var result = DirectWholeRead(count: 0, endOfFile: endOfFile, created: DirectoryRecords.time(open.u64(64 + 8)),
                                     attributes: DOSAttributes(rawValue: open.u32(64 + 56)), streams: [], securityDescriptor: nil)
        for x in r[1..<1 + reads] {
            let length = Int(x.message.u32(64 + 4))
            guard result.count + length <= buffer.count,
                  x.message.copy(Int(x.message.u8(64 + 2)), length, to: buffer.baseAddress!.advanced(by: result.count)) else {
                throw TreeError(.io, tree: displayName, path: path, operation: "read", detail: "a read reply longer than asked, or shorter than it says")
            }
            result.count += length
        }
        guard result.count == Int(size) else {
            throw TreeError(.busy, tree: displayName, path: path, operation: "read", detail: "size changed while copying (\(size) listed, \(result.count) read)")
        }
        if securityInformation != nil { result.securityDescriptor = Self.outputBuffer(r[reads + 1]) }
        result.streams = DirectoryRecords.streams(Self.outputBuffer(r[steps.count - 1]))
        return result
    }

    /// READ of `handle` (the related one by default).
    static func read(at offset: UInt64, count: UInt32, handle: [UInt8] = relatedHandle) -> Request {
        var w = WireWriter()
        w.u16(49); w.u8(0x50); w.u8(0); w.u32(count); w.u64(offset); w.raw(handle)
        w.u32(0); w.u32(0); w.u32(0); w.u16(0); w.u16(0); w.u8(0)
        return Request(command: .read, body: w.bytes)
    }

    /// QUERY_INFO on the related handle: `type` 1 file (`fileClass` 22 streams), 3 security
    /// (`additional` says which parts).
    static func queryInfo(type: UInt8, fileClass: UInt8, additional: UInt32 = 0) -> Request {
        var w = WireWriter()
        w.u16(41); w.u8(type); w.u8(fileClass); w.u32(65536); w.u16(0); w.u16(0); w.u32(0)
        w.u32(additional); w.u32(0); w.raw(relatedHandle)
        return Request(command: .queryInfo, body: w.bytes)
    }

    /// A QUERY_INFO reply's output buffer.
    static func outputBuffer(_ r: Response) -> [UInt8] {
        r.message.slice(Int(r.message.u16(64 + 2)), Int(r.message.u32(64 + 4)))
    }
}
