import MigrateCore

/// A whole small file from an SMB1 server: open (which answers with every time, the attributes
/// and the size), then the reads, the descriptor and the stream list in flight together; the
/// close goes with the next file's open.
extension SMB1Session {
    /// Files up to this size are read in one go.
    var readLimit: Int { readChunk * max(0, min(16, room - 3)) }

    /// `securityInformation`: the descriptor parts to read (8 = SACL needs the privilege), nil for none.
    /// (The open's answer gives the size; `size`, the listing's, is not needed.)
    func readWhole(_ path: String, size: UInt64, into buffer: UnsafeMutableRawBufferPointer, securityInformation: UInt32?) throws(TreeError) -> DirectWholeRead {
        let open = try exchange([create(path, access: Self.readData | Self.securityAccess(securityInformation ?? 0), folder: false)],
                                operation: "open for reading")[0]
        guard open.status == 0 else { throw NTStatus.error(open.status, tree: displayName, path: path, operation: "open for reading") }
        let w = open.wordsOffset
        let fid = open.message.u16(w + 5)
        let eof = open.message.u64(w + 55)
        var result = DirectWholeRead(count: 0, endOfFile: eof, created: DirectoryRecords.time(open.message.u64(w + 11)),
                               attributes: DOSAttributes(rawValue: open.message.u32(w + 43)), streams: [], securityDescriptor: nil)
        // Closed with the next file's requests once this read went well, at once otherwise.
        var closeNow = true
        defer { if closeNow { _ = try? exchange([close(fid)], operation: "close") } else { closeLater(fid) } }
        guard eof <= UInt64(min(buffer.count, readLimit)) else {
            throw TreeError(.busy, tree: displayName, path: path, operation: "read", detail: "grew to \(eof) bytes while being copied")
        }
        var requests: [Request] = []
        var offset = 0
        // One read past the end too (empty), so a file that grew since the listing shows.
        repeat {
            requests.append(read(fid, at: offset, count: readChunk))
            offset += readChunk
        } while offset <= Int(eof)
        let reads = requests.count
        if let info = securityInformation { requests.append(querySecurity(fid, info)) }
        requests.append(queryStreams(fid))
        let replies = try exchange(requests, operation: "read")
        for (i, r) in replies.enumerated() where r.status != 0 {
            let step = i < reads ? "read" : (securityInformation != nil && i == reads ? "read security descriptor" : "list streams")
            throw NTStatus.error(r.status, tree: displayName, path: path, operation: step)
        }
        for r in replies.prefix(reads) {
            let rw = r.wordsOffset
            let length = Int(r.message.u16(rw + 10)) | Int(r.message.u16(rw + 14)) << 16
            guard result.count + length <= buffer.count else {
                throw TreeError(.busy, tree: displayName, path: path, operation: "read", detail: "grew while being copied")
            }
            guard r.message.copy(Int(r.message.u16(rw + 12)), length, to: buffer.baseAddress!.advanced(by: result.count)) else {
                throw TreeError(.io, tree: displayName, path: path, operation: "read", detail: "a read reply shorter than it says")
            }
            result.count += length
            if length < readChunk { break }
        }
        if securityInformation != nil { result.securityDescriptor = replies[reads].data }
        result.streams = DirectoryRecords.streams(replies.last!.data)
        closeNow = false
        return result
    }

    /// A whole descriptor of a file or folder (which parts: owner 1, group 2, DACL 4, SACL 8).
    func securityDescriptor(_ path: String, _ info: UInt32) throws(TreeError) -> [UInt8] {
        let operation = "read security descriptor"
        let open = try exchange([create(path, access: Self.securityAccess(info), folder: nil)], operation: operation)[0]
        guard open.status == 0 else { throw NTStatus.error(open.status, tree: displayName, path: path, operation: operation) }
        let fid = open.message.u16(open.wordsOffset + 5)
        defer { _ = try? exchange([close(fid)], operation: "close") }
        let r = try exchange([querySecurity(fid, info)], operation: operation)[0]
        guard r.status == 0 else { throw NTStatus.error(r.status, tree: displayName, path: path, operation: operation) }
        return r.data
    }

    /// Many descriptors in three exchanges per batch (opens, queries, closes, each batch in flight
    /// together); a path that failed has no entry (callers read it alone to learn why).
    func securityDescriptors(_ paths: [String], _ info: UInt32) throws(TreeError) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        var start = 0
        while start < paths.count {
            let chunk = Array(paths[start..<min(paths.count, start + max(1, room - 1))])
            start += chunk.count
            let opens = try exchange(chunk.map { create($0, access: Self.securityAccess(info), folder: nil) }, operation: "read security descriptor")
            let opened = zip(chunk, opens).filter { $0.1.status == 0 }.map { ($0.0, $0.1.message.u16($0.1.wordsOffset + 5)) }
            if opened.isEmpty { continue }
            let queries = try exchange(opened.map { querySecurity($0.1, info) }, operation: "read security descriptor")
            _ = try exchange(opened.map { close($0.1) }, operation: "close")
            for ((path, _), r) in zip(opened, queries) where r.status == 0 { out[path] = r.data }
        }
        return out
    }

    /// The create time (to 100 ns: the open answers with it) and, for files, the streams.
    func details(_ path: String) throws(TreeError) -> EntryDetails {
        let operation = "read details"
        let open = try exchange([create(path, access: 0x80 | 0x10_0000, folder: nil)], operation: operation)[0]
        guard open.status == 0 else { throw NTStatus.error(open.status, tree: displayName, path: path, operation: operation) }
        let w = open.wordsOffset
        let fid = open.message.u16(w + 5)
        defer { _ = try? exchange([close(fid)], operation: "close") }
        var details = EntryDetails(created: DirectoryRecords.time(open.message.u64(w + 11)))
        if open.message.u8(w + 67) == 0 {
            let r = try exchange([queryStreams(fid)], operation: operation)[0]
            guard r.status == 0 else { throw NTStatus.error(r.status, tree: displayName, path: path, operation: operation) }
            details.streams = DirectoryRecords.streams(r.data)
        }
        return details
    }

    /// One entry's metadata from the open's answer (every time, attributes, size), then a close.
    func stat(_ path: String) throws(TreeError) -> Entry {
        let open = try exchange([create(path, access: 0x80 | 0x10_0000, folder: nil)], operation: "stat")[0]
        guard open.status == 0 else { throw NTStatus.error(open.status, tree: displayName, path: path, operation: "stat") }
        let w = open.wordsOffset
        _ = try? exchange([close(open.message.u16(w + 5))], operation: "close")
        return DirectoryRecords.entry(path, times: open.message, at: w + 11, attributes: open.message.u32(w + 43),
                                      size: open.message.u64(w + 55))
    }

    /// Read data and attributes.
    static let readData: UInt32 = 0x1 | 0x80
    /// Read control and synchronize; the SACL needs ACCESS_SYSTEM_SECURITY as well.
    static func securityAccess(_ info: UInt32) -> UInt32 { 0x2_0000 | 0x10_0000 | (info & 8 != 0 ? 0x100_0000 : 0) }

    /// Opens an existing entry; `folder`: true a folder only, false a file only, nil either.
    private func create(_ path: String, access: UInt32, folder: Bool?) -> Request {
        let name = WireWriter.utf16("\\" + path.split(separator: "/").joined(separator: "\\")) + [0, 0]
        var w = WireWriter()
        w.u8(0xFF); w.u8(0); w.u16(0); w.u8(0); w.u16(UInt16(name.count)); w.u32(0); w.u32(0)
        w.u32(access); w.u64(0); w.u32(0); w.u32(7) /* share read, write, delete */; w.u32(1) /* open */
        w.u32(folder.map { $0 ? 0x1 : 0x40 } ?? 0); w.u32(2); w.u8(0)
        let pad: [UInt8] = Request.bytesStart(wordBytes: w.bytes.count) % 2 != 0 ? [0] : []
        return Request(command: Command.ntCreate, words: w.bytes, bytes: pad + name)
    }

    private func read(_ fid: UInt16, at offset: Int, count: Int) -> Request {
        var w = WireWriter()
        w.u8(0xFF); w.u8(0); w.u16(0); w.u16(fid); w.u32(UInt32(truncatingIfNeeded: offset))
        w.u16(UInt16(count & 0xffff)); w.u16(0); w.u32(UInt32(count >> 16)); w.u16(0); w.u32(UInt32(offset >> 32))
        return Request(command: Command.readAndX, words: w.bytes)
    }

    func close(_ fid: UInt16) -> Request {
        var w = WireWriter()
        w.u16(fid); w.u32(0xFFFF_FFFF)
        return Request(command: Command.close, words: w.bytes)
    }

    /// NT_TRANSACT_QUERY_SECURITY_DESC: parameters fid and which parts; the descriptor comes as data.
    private func querySecurity(_ fid: UInt16, _ info: UInt32) -> Request {
        let wordBytes = 38
        let start = Request.bytesStart(wordBytes: wordBytes), pad = (4 - start % 4) % 4
        var w = WireWriter()
        w.u8(0); w.u16(0); w.u32(8); w.u32(0); w.u32(4); w.u32(65536)
        w.u32(8); w.u32(UInt32(start + pad)); w.u32(0); w.u32(UInt32(start + pad + 8))
        w.u8(0); w.u16(6)
        var p = WireWriter()
        p.zeros(pad); p.u16(fid); p.u16(0); p.u32(info)
        return Request(command: Command.ntTransact, words: w.bytes, bytes: p.bytes)
    }

    /// TRANS2_QUERY_FILE_INFORMATION at SMB_QUERY_FILE_STREAM_INFO (0x109).
    private func queryStreams(_ fid: UInt16) -> Request {
        var p = WireWriter()
        p.u16(fid); p.u16(0x109)
        return trans2(0x0007, parameters: p.bytes, maxParameters: 2)
    }

    /// FILE_STREAM_INFORMATION entries, without the main stream ("::$DATA").

}
