import MigrateCore

/// Folder listings over SMB2 as one compound: open the folder, query it twice (the second says
/// whether the first took everything), close. Larger folders are listed again the long way.
extension SMB2Session: DirectLister {
    static let noMoreFiles: UInt32 = 0x8000_0006
    static let noSuchFile: UInt32 = 0xC000_000F

    func listAhead(_ path: String) -> UInt64? {
        guard availableCredits > 16 else { return nil }
        return try? send(listing(path, queries: 2, close: true), related: true, operation: "list folder")[0]
    }

    func discardListing(_ ticket: UInt64) {
        _ = try? receive((0..<4).map { ticket + $0 }, operation: "list folder")
    }

    func list(_ path: String, ahead: UInt64?, _ body: (Entry) throws -> Void) throws {
        let r: [Response]
        if let ahead {
            r = try receive((0..<4).map { ahead + $0 }, operation: "list folder")
        } else {
            r = try exchange(listing(path, queries: 2, close: true), related: true, operation: "list folder")
        }
        if r[0].status != 0 { throw failure(r[0].status, path, "list folder") }
        if r[2].status == Self.noMoreFiles || r[1].status == Self.noMoreFiles || r[1].status == Self.noSuchFile {
            try deliver(r[1], path, body)
            return
        }
        // More than two buffers' worth: again, querying until the server has no more.
        try listLong(path, body)
    }

    private func listLong(_ path: String, _ body: (Entry) throws -> Void) throws {
        let open = try exchange(listing(path, queries: 1, close: false), related: true, operation: "list folder")
        if open[0].status != 0 { throw failure(open[0].status, path, "list folder") }
        let handle = open[0].message.slice(64 + 64, 16)
        defer {
            _ = try? exchange([Self.close(handle)], operation: "close")
        }
        var reply = open[1]
        while reply.status == 0 {
            try deliver(reply, path, body)
            reply = try exchange([query(handle, restart: false)], operation: "list folder")[0]
        }
        if reply.status != Self.noMoreFiles && reply.status != Self.noSuchFile { throw failure(reply.status, path, "list folder") }
    }

    private func deliver(_ r: Response, _ path: String, _ body: (Entry) throws -> Void) throws {
        guard r.status == 0 else { return }
        let data = r.message.slice(Int(r.message.u16(64 + 2)), Int(r.message.u32(64 + 4)))
        try DirectoryRecords.entries(data, in: path, tree: displayName) { entry, _ in if let entry { try body(entry) } }
    }

    /// Open the folder (list, read attributes, synchronize), `queries` queries, maybe close.
    private func listing(_ path: String, queries: Int, close: Bool) -> [Request] {
        var requests = [Self.create(path, access: 0x1 | 0x80 | 0x10_0000, sharing: 7, disposition: 1, options: 0x1)]
        for i in 0..<queries { requests.append(query(Self.relatedHandle, restart: i == 0)) }
        if close { requests.append(Self.close()) }
        return requests
    }

    /// QUERY_DIRECTORY, FileBothDirectoryInformation, every name, up to 64 KiB.
    private func query(_ handle: [UInt8], restart: Bool) -> Request {
        let pattern = WireWriter.utf16("*")
        var w = WireWriter()
        w.u16(33); w.u8(0x03); w.u8(restart ? 0x01 : 0); w.u32(0); w.raw(handle)
        w.u16(64 + 32); w.u16(UInt16(pattern.count)); w.u32(65536); w.raw(pattern)
        return Request(command: .queryDirectory, body: w.bytes)
    }
}
