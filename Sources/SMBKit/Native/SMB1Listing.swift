import MigrateCore

/// Folder listings over SMB1 (TRANS2_FIND_FIRST2/FIND_NEXT2 at SMB_FIND_FILE_BOTH_DIRECTORY_INFO):
/// every entry with all four times, the create time included (libsmbclient's listing over SMB1
/// has none), attributes and size, about a hundred entries a round trip.
extension SMB1Session {
    /// Starts listing `path` now, its first reply to be taken by `list(_:ahead:_:)`; nil when
    /// too many requests are in flight already.
    func listAhead(_ path: String) -> UInt16? {
        guard room > 4 else { return nil }
        return try? send([findFirst(path)], operation: "list folder")[0]
    }

    /// Takes the reply of a listing started ahead that nobody will read, closing its search.
    func discardListing(_ mid: UInt16) {
        guard let reply = try? receive([mid], operation: "list folder")[0], reply.status == 0,
              WireReader(reply.parameters).u16(4) == 0 else { return }
        var w = WireWriter(); w.u16(WireReader(reply.parameters).u16(0))
        _ = try? exchange([Request(command: 0x34, words: w.bytes)], operation: "close search")
    }

    private func findFirst(_ path: String) -> Request {
        let pattern = WireWriter.utf16("\\" + path.split(separator: "/").map { String($0) + "\\" }.joined() + "*") + [0, 0]
        var p = WireWriter()
        p.u16(0x16) /* hidden, system, folders */; p.u16(1024); p.u16(0x2) /* close at end */; p.u16(0x104); p.u32(0); p.raw(pattern)
        return trans2(0x0001, parameters: p.bytes, maxParameters: 10)
    }

    /// Calls `body` for each child of `path` ("" is the root), without "." and ".."; `ahead` is
    /// the listing started for it by `listAhead`, if any.
    func list(_ path: String, ahead: UInt16? = nil, _ body: (Entry) throws -> Void) throws {
        var reply = try ahead.map { mid throws(TreeError) in try receive([mid], operation: "list folder")[0] }
            ?? exchange([findFirst(path)], operation: "list folder")[0]
        // No match at all: an empty root of a volume has not even "." and "..".
        if reply.status == 0xC000_000F { return }
        guard reply.status == 0 else { throw NTStatus.error(reply.status, tree: displayName, path: path, operation: "list folder") }
        let params = WireReader(reply.parameters)
        let sid = params.u16(0)
        var ended = params.u16(4) != 0
        var finished = false
        defer {
            if !ended && !finished {
                var w = WireWriter(); w.u16(sid)
                _ = try? exchange([Request(command: 0x34, words: w.bytes)], operation: "close search")
            }
        }
        while true {
            var last = ""
            try Self.entries(reply.data, in: path) { entry, name in
                last = name
                if let entry { try body(entry) }
            }
            if ended || last.isEmpty { break }
            var next = WireWriter()
            next.u16(sid); next.u16(1024); next.u16(0x104); next.u32(0); next.u16(0x2 | 0x8) /* close at end, continue */
            next.raw(WireWriter.utf16(last) + [0, 0])
            reply = try exchange([trans2(0x0002, parameters: next.bytes, maxParameters: 8)], operation: "list folder")[0]
            guard reply.status == 0 else { throw NTStatus.error(reply.status, tree: displayName, path: path, operation: "list folder") }
            ended = WireReader(reply.parameters).u16(2) != 0
        }
        finished = true
    }

    /// FILE_BOTH_DIRECTORY_INFO records; `body` gets each entry (nil for "." and "..") and its
    /// bare name (the next search resumes after the last one).
    static func entries(_ data: [UInt8], in folder: String, _ body: (Entry?, String) throws -> Void) throws {
        let r = WireReader(data)
        var o = 0
        while o + 94 <= data.count {
            let next = Int(r.u32(o)), nameLength = Int(r.u32(o + 60))
            let raw = r.slice(o + 94, nameLength)
            let name = String(decoding: stride(from: 0, to: raw.count - 1, by: 2).map { UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8 }, as: UTF16.self)
            if name != "." && name != ".." {
                let attributes = DOSAttributes(rawValue: r.u32(o + 56))
                let kind: EntryKind = attributes.contains(.directory) ? .directory : .file
                try body(Entry(path: joinPath(folder, name), kind: kind, size: kind == .file ? r.u64(o + 40) : 0,
                               times: FileTimes(created: time(r.u64(o + 8)), accessed: time(r.u64(o + 16)),
                                                modified: time(r.u64(o + 24)), changed: time(r.u64(o + 32))),
                               attributes: attributes), name)
            } else {
                try body(nil, name)
            }
            if next == 0 { break }
            o += next
        }
    }
}
