import MigrateCore

/// Removing and renaming entries, a file's details, and files of any size read and written
/// through an open handle with several requests in flight: what the direct SMB2 session needs,
/// besides its compounds, to be a whole tree (`SMB2Tree`).
extension SMB2Session {
    /// Deletes a file or an empty folder: opened for delete, marked delete-pending (the server
    /// answers that a folder is not empty there; a delete-on-close create option would be
    /// ignored silently by Samba), then closed.
    func remove(_ path: String, directory: Bool) throws(TreeError) {
        let operation = directory ? "remove folder" : "remove file"
        // Delete, read attributes, synchronize; a folder (0x1) or not (0x40); FileDispositionInformation.
        let r = try exchange([Self.create(path, access: 0x1_0000 | 0x80 | 0x10_0000, sharing: 7, disposition: 1, options: directory ? 0x1 : 0x40),
                              Self.setInfo(type: 1, fileClass: 13, [1]), Self.close()], related: true, operation: operation)
        for x in r where x.status != 0 { throw failure(x.status, path, operation) }
    }

    /// Renames a file or folder, replacing a file already at `to`.
    func rename(_ from: String, to: String) throws(TreeError) {
        let operation = "rename to \(to)"
        let r = try exchange([Self.create(from, access: 0x1_0000 | 0x80 | 0x10_0000, sharing: 7, disposition: 1, options: 0),
                              Self.setInfo(type: 1, fileClass: 10, Self.renameInformation(to)), Self.close()], related: true, operation: operation)
        for x in r.prefix(2) where x.status != 0 { throw failure(x.status, from, operation) }
    }

    /// The create time and, for a file, its alternate data streams (open, query, close).
    func details(_ path: String) throws(TreeError) -> EntryDetails {
        let operation = "read details"
        let r = try exchange([Self.create(path, access: 0x80 | 0x10_0000, sharing: 7, disposition: 1, options: 0),
                              Self.queryInfo(type: 1, fileClass: 22), Self.close()], related: true, operation: operation)
        if r[0].status != 0 { throw failure(r[0].status, path, operation) }
        var details = EntryDetails(created: DirectoryRecords.time(r[0].message.u64(64 + 8)))
        if r[0].message.u32(64 + 56) & DOSAttributes.directory.rawValue == 0 {
            if r[1].status != 0 { throw failure(r[1].status, path, operation) }
            details.streams = DirectoryRecords.streams(Self.outputBuffer(r[1]))
        }
        return details
    }

    /// Sets which parts of a descriptor `information` names, on a file or a folder.
    func setSecurityDescriptor(_ path: String, _ sd: [UInt8], information: UInt32) throws(TreeError) {
        let operation = "set security descriptor"
        let r = try exchange([Self.create(path, access: Self.access(setting: information) | 0x10_0000, sharing: 7, disposition: 1, options: 0),
                              Self.setInfo(type: 3, fileClass: 0, additional: information, sd), Self.close()], related: true, operation: operation)
        for x in r.prefix(2) where x.status != 0 { throw failure(x.status, path, operation) }
    }

    /// Times and attributes of an entry of either kind: opened first (its answer says which kind,
    /// and the attributes a nil `attributes` keeps), then set and closed in one compound.
    func setTimesAndAttributes(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError) {
        let operation = "set times and attributes"
        let opened = try open(path, access: 0x100 | 0x80 | 0x10_0000, disposition: 1, options: 0, operation: operation)
        var a = attributes ?? opened.attributes
        if opened.attributes.contains(.directory) { a.insert(.directory) }
        let r = try exchange([Self.setInfo(type: 1, fileClass: 4, Self.basicInformation(times, a), handle: opened.handle), Self.close(opened.handle)],
                             operation: operation)
        if r[0].status != 0 { throw failure(r[0].status, path, operation) }
    }

    struct OpenFile {
        var handle: [UInt8]
        var size: UInt64
        var attributes: DOSAttributes
    }

    /// CREATE on its own: the handle, for the requests that follow in later messages.
    func open(_ path: String, access: UInt32, sharing: UInt32 = 7, disposition: UInt32, options: UInt32, operation: String) throws(TreeError) -> OpenFile {
        let r = try exchange([Self.create(path, access: access, attributes: disposition == 1 ? 0 : 0x80, sharing: sharing,
                                          disposition: disposition, options: options)], operation: operation)[0]
        if r.status != 0 { throw failure(r.status, path, operation) }
        return OpenFile(handle: r.message.slice(64 + 64, 16), size: r.message.u64(64 + 48), attributes: DOSAttributes(rawValue: r.message.u32(64 + 56)))
    }

    /// How many reads or writes one open file keeps in flight: 16 x 64 KiB covers the round
    /// trip of a LAN link, within the credits the server grants.
    var windowForFile: Int { max(1, min(16, availableCredits - 2)) }
}

/// A file read through its handle: reads of `maxRead` sent ahead of the caller (a window of them
/// in flight), answered in order; past the size known at open, one at a time until the end.
final class SMB2ReadableFile: ReadableFile {
    private let session: SMB2Session
    private let handle: [UInt8]
    private let path: String
    private let size: UInt64
    private var requested: UInt64 = 0
    private var pending: [(id: UInt64, count: Int)] = []
    private var leftover: [UInt8] = []
    private var leftoverStart = 0
    private var ended = false
    private var closed = false

    init(_ session: SMB2Session, _ file: SMB2Session.OpenFile, path: String) {
        self.session = session; handle = file.handle; size = file.size; self.path = path
    }

    deinit { if !closed { try? close() } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TreeError) -> Int {
        var n = 0
        if leftoverStart < leftover.count {
            let k = min(buffer.count, leftover.count - leftoverStart)
            leftover.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + leftoverStart, byteCount: k) }
            leftoverStart += k
            n = k
        }
        while n < buffer.count {
            try fill()
            guard !pending.isEmpty else { break }
            let next = pending.removeFirst()
            let r = try session.receive([next.id], operation: "read")[0]
            if r.status == NTStatus.endOfFile { ended = true; continue }
            if r.status != 0 { throw session.failure(r.status, path, "read") }
            let length = Int(r.message.u32(64 + 4)), offset = Int(r.message.u8(64 + 2))
            guard length <= next.count, offset >= 64, offset + length <= r.message.count else {
                throw TreeError(.integrity, tree: session.displayName, path: path, operation: "read", detail: "a read reply longer than asked, or shorter than it says")
            }
            let k = min(length, buffer.count - n)
            guard r.message.copy(offset, k, to: buffer.baseAddress! + n) else { break }
            n += k
            if k < length { leftover = r.message.slice(offset + k, length - k); leftoverStart = 0 }
            // A short read ends the file: later reads in flight answer end of file.
            if length < next.count { ended = true }
        }
        return n
    }

    /// Keeps the window full up to the size known at open; past it, one read at a time.
    private func fill() throws(TreeError) {
        guard !ended else { return }
        while pending.count < session.windowForFile && (requested < size || pending.isEmpty) {
            let count = session.maxRead
            let id = try session.send([SMB2Session.read(at: requested, count: UInt32(count), handle: handle)], operation: "read")[0]
            pending.append((id, count))
            requested += UInt64(count)
        }
    }

    /// Takes the answers of reads still in flight (their data is not wanted).
    private func drain() {
        for p in pending { _ = try? session.receive([p.id], operation: "read") }
        pending = []
    }

    func seek(to offset: UInt64) throws(TreeError) {
        drain()
        leftover = []; leftoverStart = 0
        requested = offset
        ended = false
    }

    func close() throws(TreeError) {
        guard !closed else { return }
        closed = true
        drain()
        let r = try session.exchange([SMB2Session.close(handle)], operation: "close")[0]
        if r.status != 0 { throw session.failure(r.status, path, "close") }
    }
}

/// A file written through its handle: writes of `maxWrite` sent as the data comes (a window of
/// them in flight), each answer checked to have taken every byte before the file counts as
/// written (`close`).
final class SMB2WritableFile: WritableFile {
    private let session: SMB2Session
    private let handle: [UInt8]
    private let path: String
    private var offset: UInt64
    private var pending: [(id: UInt64, count: Int)] = []
    private var closed = false

    init(_ session: SMB2Session, _ file: SMB2Session.OpenFile, path: String, at offset: UInt64) {
        self.session = session; handle = file.handle; self.path = path; self.offset = offset
    }

    deinit {
        if !closed {
            for p in pending { _ = try? session.receive([p.id], operation: "write") }
            _ = try? session.exchange([SMB2Session.close(handle)], operation: "close")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TreeError) {
        var at = 0
        while at < bytes.count {
            while pending.count >= session.windowForFile { try collect() }
            let n = min(session.maxWrite, bytes.count - at)
            let request = SMB2Session.write(UnsafeRawBufferPointer(rebasing: bytes[at..<at + n]), at: offset, handle: handle)
            let id = try session.send([request], operation: "write")[0]
            pending.append((id, n))
            offset += UInt64(n)
            at += n
        }
    }

    private func collect() throws(TreeError) {
        let p = pending.removeFirst()
        let r = try session.receive([p.id], operation: "write")[0]
        if r.status != 0 { throw session.failure(r.status, path, "write") }
        let taken = Int(r.message.u32(64 + 4))
        if taken != p.count {
            throw TreeError(.io, tree: session.displayName, path: path, operation: "write", detail: "the server took \(taken) of \(p.count) bytes")
        }
    }

    func close() throws(TreeError) {
        guard !closed else { return }
        closed = true
        var failure: TreeError?
        while !pending.isEmpty {
            do { try collect() } catch { failure = failure ?? error }
        }
        let r = try session.exchange([SMB2Session.close(handle)], operation: "close")[0]
        if let failure { throw failure }
        if r.status != 0 { throw session.failure(r.status, path, "close") }
    }
}
