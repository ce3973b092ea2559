import Catalog
import Glibc
import MigrateCore

/// The coordinator and its workers exchange jobs and results as length-prefixed binary frames:
/// a marker, the payload's length, the payload. JSON cost a quarter of the coordinator's CPU on
/// small files (a job and a result per file); this is a few copies of integers and strings.
/// A frame that does not start with the marker means the stream is corrupt: the reader says so
/// and the coordinator treats the worker as dead (its jobs are handed out again).
public enum WorkFrames {
    static let marker: [UInt8] = [0x4D, 0x57]   // "MW"
    static let headerSize = 6

    /// The frame carrying `payload`.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out = marker
        out.reserveCapacity(headerSize + payload.count)
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: payload)
        return out
    }

    public struct Corrupt: Error, CustomStringConvertible {
        public var description: String
    }

    /// Frames arriving on a file descriptor, in pieces as `read` gives them.
    public final class Reader {
        public let fd: Int32
        private var buffer: [UInt8] = []
        private var start = 0
        private var chunk = [UInt8](repeating: 0, count: 65536)

        public init(fd: Int32) { self.fd = fd }

        /// Reads once (blocking if nothing is there): false at end of file or on an error.
        public func fill() -> Bool {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return false }
            if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
            buffer.append(contentsOf: chunk[..<n])
            return true
        }

        /// The next complete payload already read, if any.
        public func next() throws(Corrupt) -> [UInt8]? {
            let available = buffer.count - start
            guard available >= headerSize else { return nil }
            guard buffer[start] == marker[0], buffer[start + 1] == marker[1] else {
                throw Corrupt(description: "a message from a worker did not start where one should")
            }
            var length = 0
            for i in 0..<4 { length |= Int(buffer[start + 2 + i]) << (8 * i) }
            guard available >= headerSize + length else { return nil }
            let payload = Array(buffer[(start + headerSize)..<(start + headerSize + length)])
            start += headerSize + length
            if start > 1 << 20 { buffer.removeSubrange(..<start); start = 0 }
            return payload
        }

        /// Blocks until a whole payload is there; nil at end of file.
        public func nextBlocking() throws(Corrupt) -> [UInt8]? {
            while true {
                if let p = try next() { return p }
                guard fill() else { return nil }
            }
        }
    }
}

/// Appends fields to a payload, little-endian.
struct FrameWriter {
    var bytes: [UInt8] = []

    mutating func int(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int(_ v: Int) { int(Int64(v)) }
    mutating func uint(_ v: UInt64) { int(Int64(bitPattern: v)) }
    mutating func uint32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func byte(_ v: UInt8) { bytes.append(v) }
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            uint32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
    mutating func optional<T>(_ v: T?, _ write: (inout FrameWriter, T) -> Void) {
        if let v { byte(1); write(&self, v) } else { byte(0) }
    }
    mutating func time(_ t: Timestamp?) { optional(t) { $0.int($1.ticks) } }
    mutating func kind(_ k: EntryKind) { byte(k == .directory ? 1 : 0) }
}

/// Reads fields back in the order they were written; a short payload is corrupt.
struct FrameReader {
    let bytes: [UInt8]
    var at = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ n: Int) throws(WorkFrames.Corrupt) -> ArraySlice<UInt8> {
        guard n >= 0, at + n <= bytes.count else { throw WorkFrames.Corrupt(description: "a message from a worker was cut short") }
        defer { at += n }
        return bytes[at..<(at + n)]
    }
    mutating func int() throws(WorkFrames.Corrupt) -> Int64 {
        var v: UInt64 = 0
        for (i, b) in try take(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return Int64(bitPattern: v)
    }
    mutating func uint() throws(WorkFrames.Corrupt) -> UInt64 { UInt64(bitPattern: try int()) }
    mutating func count() throws(WorkFrames.Corrupt) -> Int { Int(try int()) }
    mutating func uint32() throws(WorkFrames.Corrupt) -> UInt32 {
        var v: UInt32 = 0
        for (i, b) in try take(4).enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
        return v
    }
    mutating func byte() throws(WorkFrames.Corrupt) -> UInt8 { try take(1).first! }
    mutating func string() throws(WorkFrames.Corrupt) -> String {
        let n = Int(try uint32())
        return String(decoding: try take(n), as: UTF8.self)
    }
    mutating func optional<T>(_ read: (inout FrameReader) throws(WorkFrames.Corrupt) -> T) throws(WorkFrames.Corrupt) -> T? {
        try byte() == 0 ? nil : try read(&self)
    }
    mutating func time() throws(WorkFrames.Corrupt) -> Timestamp? { try optional { r throws(WorkFrames.Corrupt) in Timestamp(ticks: try r.int()) } }
    mutating func kind() throws(WorkFrames.Corrupt) -> EntryKind { try byte() == 1 ? .directory : .file }
    mutating func treeError() throws(WorkFrames.Corrupt) -> TreeError {
        let raw = try string()
        guard let kind = TreeError.Kind(rawValue: raw) else { throw WorkFrames.Corrupt(description: "unknown error kind '\(raw)'") }
        return TreeError(kind, tree: try string(), path: try string(), operation: try string(), detail: try string())
    }
}

// MARK: the messages

extension FrameWriter {
    mutating func entry(_ e: Entry) {
        string(e.path); kind(e.kind); uint(e.size)
        time(e.times.created); time(e.times.accessed); time(e.times.modified); time(e.times.changed)
        uint32(e.attributes.rawValue)
    }
}

extension FrameReader {
    mutating func entry() throws(WorkFrames.Corrupt) -> Entry {
        let path = try string(), entryKind = try kind(), size = try uint()
        let times = FileTimes(created: try time(), accessed: try time(), modified: try time(), changed: try time())
        return Entry(path: path, kind: entryKind, size: size, times: times, attributes: DOSAttributes(rawValue: try uint32()))
    }
}

extension WorkJob {
    public func encoded() -> [UInt8] {
        var w = FrameWriter()
        w.int(id)
        w.byte(action == .copy ? 0 : action == .update ? 1 : 2)
        w.entry(entry)
        w.optional(existing) { $0.entry($1) }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WorkFrames.Corrupt) {
        var r = FrameReader(bytes)
        let id = try r.count()
        let action: WorkItem.Action = switch try r.byte() {
        case 0: .copy
        case 1: .update
        case 2: .metadata
        case let b: throw WorkFrames.Corrupt(description: "unknown job action \(b)")
        }
        self.init(id: id, action: action, entry: try r.entry(), existing: try r.optional { r throws(WorkFrames.Corrupt) in try r.entry() })
    }
}

extension WorkResult {
    public func encoded() -> [UInt8] {
        var w = FrameWriter()
        w.int(id)
        w.optional(synced) { w, s in
            w.string(s.path); w.kind(s.kind); w.uint(s.size)
            w.time(s.modified); w.time(s.changed); w.time(s.created)
            w.uint32(s.attributes.rawValue)
            w.optional(s.sdHash) { $0.string($1) }
        }
        for n in [acl.mapped, acl.unchanged, acl.unmappedKept, acl.unmappedDropped, acl.unmappedFallback, acl.saclsNotCopied] { w.int(n) }
        w.int(attempts)
        w.optional(error) { w, e in
            w.string(e.kind.rawValue); w.string(e.tree); w.string(e.path); w.string(e.operation); w.string(e.detail)
        }
        w.uint(bytes)
        w.optional(resumed) { $0.uint($1) }
        w.byte((missing.descriptors ? 1 : 0) | (missing.streams ? 2 : 0))
        w.optional(missing.descriptorError) { $0.string($1) }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(WorkFrames.Corrupt) {
        var r = FrameReader(bytes)
        let id = try r.count()
        let synced = try r.optional { r throws(WorkFrames.Corrupt) in
            SyncedEntry(path: try r.string(), kind: try r.kind(), size: try r.uint(),
                        modified: try r.time(), changed: try r.time(), created: try r.time(),
                        attributes: DOSAttributes(rawValue: try r.uint32()),
                        sdHash: try r.optional { r throws(WorkFrames.Corrupt) in try r.string() })
        }
        var acl = SecurityTranslator.Counts()
        acl.mapped = try r.count(); acl.unchanged = try r.count(); acl.unmappedKept = try r.count()
        acl.unmappedDropped = try r.count(); acl.unmappedFallback = try r.count(); acl.saclsNotCopied = try r.count()
        self.init(id: id, synced: synced, acl: acl, attempts: try r.count(), error: try r.optional { r throws(WorkFrames.Corrupt) in try r.treeError() },
                  bytes: try r.uint(), resumed: try r.optional { r throws(WorkFrames.Corrupt) in try r.uint() })
        let gaps = try r.byte()
        missing.descriptors = gaps & 1 != 0
        missing.streams = gaps & 2 != 0
        missing.descriptorError = try r.optional { r throws(WorkFrames.Corrupt) in try r.string() }
    }
}
