import MigrateCore

/// FILE_BOTH_DIRECTORY_INFO records, the same layout in SMB1's FIND_FIRST2 (level 0x104) and
/// SMB2's QUERY_DIRECTORY (class 3): all four times, size, attributes, the long name.
enum DirectoryRecords {
    /// `body` gets each entry (nil for "." and "..") and its bare name (an SMB1 search resumes
    /// after the last one).
    /// A record that cannot be right (a name past the reply's end, longer than any file system
    /// allows, an offset that does not move forward) ends the listing with an error naming the
    /// server (`tree`) and what it sent.
    static func entries(_ data: [UInt8], in folder: String, tree: String, _ body: (Entry?, String) throws -> Void) throws {
        let r = WireReader(data)
        var o = 0
        func bad(_ what: String) -> TreeError {
            TreeError(.io, tree: tree, path: folder, operation: "list folder", detail: "the server sent a listing record \(what); the listing is refused")
        }
        while o + 94 <= data.count {
            let next = Int(r.u32(o)), nameLength = Int(r.u32(o + 60))
            // NTFS names are at most 255 UTF-16 units.
            guard nameLength <= 510, nameLength % 2 == 0 else { throw bad("whose name is \(nameLength) bytes long (at most 510, even)") }
            guard o + 94 + nameLength <= data.count else { throw bad("whose name runs past the end of the reply") }
            guard next == 0 || next >= 94 + nameLength else { throw bad("whose next-entry offset (\(next)) points into itself") }
            let raw = r.slice(o + 94, nameLength)
            let name = WireWriter.string(utf16: raw)
            if name != "." && name != ".." {
                try body(entry(joinPath(folder, name), times: r, at: o + 8, attributes: r.u32(o + 56), size: r.u64(o + 40)), name)
            } else {
                try body(nil, name)
            }
            if next == 0 { break }
            o += next
        }
    }

    /// An entry from the four FILETIMEs at `offset` (created, accessed, written, changed), as
    /// directory records, SMB1 opens and SMB2 creates all give them.
    static func entry(_ path: String, times r: WireReader, at offset: Int, attributes raw: UInt32, size: UInt64) -> Entry {
        let attributes = DOSAttributes(rawValue: raw)
        let kind: EntryKind = attributes.contains(.directory) ? .directory : .file
        return Entry(path: path, kind: kind, size: kind == .file ? size : 0,
                     times: FileTimes(created: time(r.u64(offset)), accessed: time(r.u64(offset + 8)),
                                      modified: time(r.u64(offset + 16)), changed: time(r.u64(offset + 24))),
                     attributes: attributes)
    }

    /// FILETIME on the wire; 0 means the server does not know.
    static func time(_ filetime: UInt64) -> Timestamp? { filetime == 0 ? nil : Timestamp(filetime: filetime) }
}

/// A direct session that lists folders, also ahead of a walk (see `ListingAhead`), and reads one
/// entry's metadata or descriptor: what the SMB1 and SMB2 sessions both do.
protocol DirectLister: AnyObject {
    /// One entry's times, attributes and size.
    func stat(_ path: String) throws(TreeError) -> Entry
    /// Which parts: owner 1, group 2, DACL 4, SACL 8 (the SACL needs SeSecurityPrivilege).
    func securityDescriptor(_ path: String, _ info: UInt32) throws(TreeError) -> [UInt8]
    /// Starts listing `path`; nil when too much is in flight already.
    func listAhead(_ path: String) -> UInt64?
    /// Takes and drops the reply of a listing started ahead that nobody will read.
    func discardListing(_ ticket: UInt64)
    /// Files up to this size are read whole in one go.
    var readLimit: Int { get }
    /// A whole small file (`size` as listed) with its create time, streams and the descriptor parts asked for.
    func readWhole(_ path: String, size: UInt64, into buffer: UnsafeMutableRawBufferPointer, securityInformation: UInt32?) throws(TreeError) -> DirectWholeRead
    /// Calls `body` for each child of `path`; `ahead` is the listing started for it, if any.
    func list(_ path: String, ahead: UInt64?, _ body: (Entry) throws -> Void) throws
}

extension SMB1Session: DirectLister {}

/// A whole small file read over a direct session (SMB1 or SMB2): `count` bytes now in the buffer.
struct DirectWholeRead {
    var count: Int
    var endOfFile: UInt64
    var created: Timestamp?
    var attributes: DOSAttributes
    var streams: [EntryDetails.DataStream]
    /// Self-relative, when asked for.
    var securityDescriptor: [UInt8]?
}

extension DirectoryRecords {
    /// FILE_STREAM_INFORMATION entries (SMB1 TRANS2 and SMB2 QUERY_INFO alike), the unnamed
    /// data stream left out.
    static func streams(_ data: [UInt8]) -> [EntryDetails.DataStream] {
        let r = WireReader(data)
        var out: [EntryDetails.DataStream] = []
        var o = 0
        while o + 24 <= data.count {
            let next = Int(r.u32(o)), nameLength = Int(r.u32(o + 4))
            let raw = r.slice(o + 24, nameLength)
            var name = WireWriter.string(utf16: raw)
            if name.hasPrefix(":") { name.removeFirst() }
            if name.hasSuffix(":$DATA") { name.removeLast(6) }
            if !name.isEmpty { out.append(.init(name: name, size: r.u64(o + 8))) }
            if next == 0 { break }
            o += next
        }
        return out
    }
}
