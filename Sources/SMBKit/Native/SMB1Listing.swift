import MigrateCore

/// Folder listings over SMB1 (TRANS2_FIND_FIRST2/FIND_NEXT2 at SMB_FIND_FILE_BOTH_DIRECTORY_INFO):
/// every entry with all four times, the create time included (libsmbclient's listing over SMB1
/// has none), attributes and size, about a hundred entries a round trip.
extension SMB1Session {
    /// Starts listing `path` now, its first reply to be taken by `list(_:ahead:_:)`; nil when
    /// too many requests are in flight already.
    func listAhead(_ path: String) -> UInt64? {
        guard room > 4 else { return nil }
        return (try? send([findFirst(path)], operation: "list folder")[0]).map(UInt64.init)
    }

    /// Takes the reply of a listing started ahead that nobody will read, closing its search.
    func discardListing(_ ticket: UInt64) {
        guard let reply = try? receive([UInt16(truncatingIfNeeded: ticket)], operation: "list folder")[0], reply.status == 0,
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
    func list(_ path: String, ahead: UInt64? = nil, _ body: (Entry) throws -> Void) throws {
        var reply = try ahead.map { mid throws(TreeError) in try receive([UInt16(truncatingIfNeeded: mid)], operation: "list folder")[0] }
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
        var previous = "", listed = 0
        while true {
            var last = ""
            try DirectoryRecords.entries(reply.data, in: path, tree: displayName) { entry, name in
                last = name
                listed += 1
                if let entry { try body(entry) }
            }
            if ended || last.isEmpty { break }
            // A server that never ends a search (the same batch again, or more entries than any
            // folder holds) would keep the walk here for ever.
            guard last != previous, listed <= Self.folderLimit else {
                throw TreeError(.io, tree: displayName, path: path, operation: "list folder",
                                detail: last == previous ? "the server answered FIND_NEXT with the same entries again (its search never ends); refused"
                                                         : "the server listed more than \(Self.folderLimit) entries in one folder without ending the search; refused")
            }
            previous = last
            var next = WireWriter()
            next.u16(sid); next.u16(1024); next.u16(0x104); next.u32(0); next.u16(0x2 | 0x8) /* close at end, continue */
            next.raw(WireWriter.utf16(last) + [0, 0])
            reply = try exchange([trans2(0x0002, parameters: next.bytes, maxParameters: 8)], operation: "list folder")[0]
            guard reply.status == 0 else { throw NTStatus.error(reply.status, tree: displayName, path: path, operation: "list folder") }
            ended = WireReader(reply.parameters).u16(2) != 0
        }
        finished = true
    }

    /// More entries than any real folder holds (NTFS allows about 4 billion; a share folder with
    /// ten million is already beyond what a migration meets).
    static let folderLimit = 10_000_000
}
