import Catalog
import Glibc
import MigrateCore

/// Copies one file's data and metadata: data into a temporary name in the target folder, times
/// and attributes on it, then a rename into place, so no half-written file ever carries a real
/// name; the security descriptor goes last (once it excludes the account nothing else can change).
final class FileCopier {
    let source: any Tree
    let target: any Tree
    let translator: SecurityTranslator
    let copySecurity: Bool
    /// 4 MiB: libsmbclient splits reads into parallel 128 KiB requests, so big buffers pay.
    static let bufferSize = 4 << 20
    let buffer: UnsafeMutableRawBufferPointer
    /// Bytes the last copy did not have to transfer again (resumed from a temporary file).
    var resumed: UInt64 = 0
    /// What the source turned out not to have at all (learnt from the first answer that says so):
    /// security descriptors, alternate data streams. Each is said once per pass.
    var missing = SourceGaps()

    init(source: any Tree, target: any Tree, translator: SecurityTranslator, copySecurity: Bool, buffer: UnsafeMutableRawBufferPointer) {
        self.source = source; self.target = target; self.translator = translator; self.copySecurity = copySecurity; self.buffer = buffer
    }

    /// The temporary name of an entry while it is being written: in the same folder, recognisable,
    /// and naming the source's path, size and write time, so a temporary file found later belongs
    /// to an unchanged source exactly when its name matches (robocopy /Z's restartable mode).
    static func temporaryPath(_ entry: Entry) -> String {
        var bytes = Array(entry.path.utf8)
        for v in [entry.size, UInt64(bitPattern: entry.times.modified?.ticks ?? 0)] {
            for i in 0..<8 { bytes.append(UInt8((v >> UInt64(8 * i)) & 0xff)) }
        }
        return joinPath(parentPath(entry.path), ".migrate-\(fingerprint(bytes)).partial")
    }

    /// FNV-1a, 64 bits, in hex: short, stable names for bytes (not a security measure).
    static func fingerprint(_ bytes: some Sequence<UInt8>) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// Files this large resume from their temporary file after an interruption.
    static let resumableSize: UInt64 = 64 << 20

    public static func isTemporaryName(_ name: String) -> Bool { name.hasPrefix(".migrate-") && name.hasSuffix(".partial") }

    /// Copies data, then metadata; `existing` is what the target holds at that name now.
    func copy(_ entry: Entry, existing: Entry?, counts: inout SecurityTranslator.Counts, progress: (Int) -> Void) throws -> SyncedEntry {
        resumed = 0
        let tmp = Self.temporaryPath(entry)
        let whole = target as? any WholeFileTree
        let putLimit = UInt64(min(buffer.count, whole?.putLimit ?? 0))
        // What the whole-file read learnt when streams send the file the long way.
        var known: (Timestamp?, [EntryDetails.DataStream])?
        if let whole, let reader = source as? any WholeFileSourceTree, entry.size <= putLimit, entry.size <= UInt64(reader.readLimit) {
            let wanted = copySecurity && target is any SecurityDescriptorTree && !missing.descriptors
            let file: WholeFile
            switch Result(catching: { () throws(TreeError) in try reader.readWhole(entry.path, size: entry.size, into: buffer, withSecurity: wanted) }) {
            case .success(let f): file = f
            case .failure(let error) where wanted && error.kind == .notSupported:
                // The server has no descriptors (its answer to the descriptor part of the read).
                try noDescriptors(error)
                file = try reader.readWhole(entry.path, size: entry.size, into: buffer, withSecurity: false)
            case .failure(let error): throw error
            }
            let created = entry.times.created ?? file.created
            if file.streams.isEmpty || !(target is any AlternateStreamTree) {
                let security = try file.securityDescriptor.map { try translated($0, from: reader, counts: &counts) }
                return try put(entry, count: file.count, created: created, security: security,
                               existing: existing, through: tmp, into: whole, progress: progress)
            }
            known = (created, file.streams)
        }
        let (created, streams) = try known ?? sourceDetails(entry)
        if streams.isEmpty, let whole, entry.size <= putLimit {
            let n = try readWhole(entry)
            return try put(entry, count: n, created: created, security: try sourceSecurity(entry.path, counts: &counts),
                           existing: existing, through: tmp, into: whole, progress: progress)
        }
        let input = try source.openForReading(entry.path)
        defer { try? input.close() }
        var written: UInt64 = 0
        let output: any WritableFile
        if entry.size >= Self.resumableSize, let partial = try? target.stat(tmp), partial.size > 0 {
            // Only the last buffer can have holes (each write returns when all its pieces landed),
            // so resume one buffer back from the end, on a buffer boundary.
            let block = UInt64(Self.bufferSize)
            written = partial.size > block ? (partial.size - block) / block * block : 0
            output = try target.openForResuming(tmp, at: written)
            try input.seek(to: written)
            resumed = written
        } else {
            output = try target.openForWriting(tmp)
        }
        do { written += try pump(input, output, progress: progress) } catch {
            try? target.removeFile(tmp)
            throw error
        }
        // A read handle's close cannot lose data: once every byte came (the size below says so),
        // a server that fails it (impacket's SMB2 close, to libsmbclient: EINVAL) fails nothing.
        try? input.close()
        if written != entry.size {
            try? target.removeFile(tmp)
            throw TreeError(.busy, tree: source.displayName, path: entry.path, operation: "copy",
                            detail: "size changed while copying (\(entry.size) listed, \(written) read)")
        }
        // Streams before the times: writing a stream moves the file's write time.
        try copyStreams(streams, of: entry.path, to: tmp, progress: progress)
        try target.setMetadata(tmp, times: FileTimes(created: created, accessed: entry.times.accessed, modified: entry.times.modified),
                               attributes: nil)
        if let existing { try remove(existing) }
        try target.rename(tmp, to: entry.path)
        // Attributes after the rename: a rename sets the archive bit (Windows and Samba alike),
        // which is all most files carry; only other attributes need the extra round trip.
        let attributes = entry.attributes.intersection(.portable)
        if attributes != .archive { try target.setMetadata(entry.path, times: FileTimes(), attributes: attributes) }
        let sdHash = try applySecurity(entry.path, counts: &counts)
        return SyncedEntry(path: entry.path, kind: .file, size: entry.size, modified: entry.times.modified, changed: entry.times.changed,
                           created: created, attributes: entry.attributes.intersection(.portable), sdHash: sdHash)
    }

    /// A small file read whole into the buffer through the tree's ordinary calls; its size.
    func readWhole(_ entry: Entry) throws -> Int {
        let input = try source.openForReading(entry.path)
        defer { try? input.close() }
        var n = 0
        while n < buffer.count {
            let got = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[n...]))
            if got == 0 { break }
            n += got
        }
        try? input.close()   // as in `copy`: the data is in, whatever the close says
        return n
    }

    /// Writes the `count` bytes in the buffer with the descriptor, times and attributes and
    /// renames them into place, in one exchange with the target.
    func put(_ entry: Entry, count n: Int, created: Timestamp?, security: (mapped: SecurityDescriptor, hash: String)?, existing: Entry?,
             through tmp: String, into whole: any WholeFileTree, progress: (Int) -> Void) throws -> SyncedEntry {
        if n != entry.size {
            throw TreeError(.busy, tree: source.displayName, path: entry.path, operation: "copy",
                            detail: "size changed while copying (\(entry.size) listed, \(n) or more read)")
        }
        // A rename replaces a file, but neither a read-only one nor a folder.
        if let existing, existing.kind == .directory || existing.attributes.contains(.readOnly) { try remove(existing) }
        do {
            try whole.put(entry.path, through: tmp, data: UnsafeRawBufferPointer(rebasing: buffer[..<n]),
                          times: FileTimes(created: created, accessed: entry.times.accessed, modified: entry.times.modified),
                          attributes: entry.attributes.intersection(.portable), securityDescriptor: security?.mapped)
        } catch {
            try? target.removeFile(tmp)
            throw error
        }
        progress(n)
        return SyncedEntry(path: entry.path, kind: .file, size: entry.size, modified: entry.times.modified, changed: entry.times.changed,
                           created: created, attributes: entry.attributes.intersection(.portable), sdHash: security?.hash)
    }

    /// Times, attributes and descriptor of an entry whose data is already equal.
    func updateMetadata(_ entry: Entry, counts: inout SecurityTranslator.Counts) throws -> SyncedEntry {
        let created = try createTime(entry)
        var attrs = entry.attributes.intersection(.portable)
        if entry.kind == .directory { attrs.insert(.directory) }
        let times = FileTimes(created: created, accessed: entry.times.accessed, modified: entry.times.modified)
        let security = try sourceSecurity(entry.path, counts: &counts)
        // One exchange where the target allows it; otherwise times and attributes, then the descriptor.
        let together = target as? any OneExchangeMetadataTree
        if try together?.setMetadata(entry.path, kind: entry.kind, times: times, attributes: attrs, securityDescriptor: security?.mapped) != true {
            try target.setMetadata(entry.path, times: times, attributes: attrs)
            if let security, let dst = target as? any SecurityDescriptorTree { try dst.setSecurityDescriptor(entry.path, security.mapped) }
        }
        return SyncedEntry(path: entry.path, kind: entry.kind, size: entry.size, modified: entry.times.modified, changed: entry.times.changed,
                           created: created, attributes: entry.attributes.intersection(.portable), sdHash: security?.hash)
    }

    /// The create time and the alternate data streams: one round trip when streams can be
    /// carried to the target (or the listing has no create time, as over SMB1).
    func sourceDetails(_ entry: Entry) throws -> (Timestamp?, [EntryDetails.DataStream]) {
        guard source is any AlternateStreamTree, target is any AlternateStreamTree, let src = source as? any DetailedTree, !missing.streams else {
            return (try createTime(entry), [])
        }
        switch Result(catching: { () throws(TreeError) in try src.details(entry.path) }) {
        case .success(let d): return (entry.times.created ?? d.created, d.streams)
        case .failure(let error) where error.kind == .notSupported:
            // A server without streams has none to copy; the create time comes as it can.
            missing.streams = true
            return (entry.times.created, [])
        case .failure(let error): throw error
        }
    }

    /// The source cannot give security descriptors at all: the plan says whether the target
    /// entry does without one of its own (it inherits from its parent) or fails.
    func noDescriptors(_ error: TreeError?) throws {
        missing.descriptors = true
        if let error, missing.descriptorError == nil { missing.descriptorError = error.cause }
        if translator.unreadable == .fail {
            throw TreeError(.refusedByPlan, tree: source.displayName, operation: "read security descriptor",
                            detail: "the source gives no security descriptors (\(missing.descriptorError ?? "not supported")) and the plan says acl: unreadable: fail")
        }
    }

    /// Copies each alternate data stream (Zone.Identifier, old Mac resource forks, summary
    /// information) onto the temporary file.
    func copyStreams(_ streams: [EntryDetails.DataStream], of path: String, to tmp: String, progress: (Int) -> Void) throws {
        guard let src = source as? any AlternateStreamTree, let dst = target as? any AlternateStreamTree else { return }
        for s in streams {
            let input = try src.openForReading(src.streamPath(path, s.name))
            defer { try? input.close() }
            try pump(input, try dst.openForWriting(dst.streamPath(tmp, s.name)), progress: progress)
        }
    }

    /// Moves everything left in `input` to `output` through the buffer and closes `output`
    /// (also on failure); returns the bytes moved.
    @discardableResult
    func pump(_ input: any ReadableFile, _ output: any WritableFile, progress: (Int) -> Void) throws -> UInt64 {
        var moved: UInt64 = 0
        do {
            while true {
                let n = try input.read(into: buffer)
                if n == 0 { break }
                try output.write(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
                moved += UInt64(n)
                progress(n)
            }
            try output.close()
        } catch {
            try? output.close()
            throw error
        }
        return moved
    }

    /// The listing's create time, or one round trip when the listing has none (SMB1 sources).
    func createTime(_ entry: Entry) throws -> Timestamp? {
        if let c = entry.times.created { return c }
        return try (source as? any DetailedTree)?.details(entry.path).created
    }

    func applySecurity(_ path: String, counts: inout SecurityTranslator.Counts) throws -> String? {
        guard let dst = target as? any SecurityDescriptorTree, let security = try sourceSecurity(path, counts: &counts) else { return nil }
        try dst.setSecurityDescriptor(path, security.mapped)
        return security.hash
    }

    /// The source's descriptor translated for the target, and the fingerprint of the original;
    /// nil when descriptors are not copied between these trees.
    func sourceSecurity(_ path: String, counts: inout SecurityTranslator.Counts) throws -> (mapped: SecurityDescriptor, hash: String)? {
        guard copySecurity, let src = source as? any SecurityDescriptorTree, target is any SecurityDescriptorTree else { return nil }
        if missing.descriptors { try noDescriptors(nil); return nil }
        let sd: SecurityDescriptor
        switch Result(catching: { () throws(TreeError) in try src.securityDescriptor(path) }) {
        case .success(let d): sd = d
        case .failure(let error) where error.kind == .notSupported:
            try noDescriptors(error)
            return nil
        case .failure(let error): throw error
        }
        var r = try translated(sd, from: src, counts: &counts)
        if path.isEmpty, let sub = target as? SubfolderTree, let parent = try sub.parentSecurityDescriptor() {
            // A mapped folder keeps its own ACEs and takes its inherited ones from its new parent.
            r.mapped = InheritedACL.rebased(r.mapped, under: parent)
        }
        return r
    }

    /// A source descriptor mapped for the target, the fingerprint of the original, and the
    /// count of SACLs the source would not give.
    func translated(_ sd: SecurityDescriptor, from src: any SecurityDescriptorTree,
                    counts: inout SecurityTranslator.Counts) throws -> (mapped: SecurityDescriptor, hash: String) {
        if src.saclReadable == false { counts.saclsNotCopied += 1 }
        return (try translator.translate(sd, counts: &counts), Self.hash(translator.sourceView(sd)))
    }

    /// A fingerprint of the source descriptor, kept in the catalog to notice ACL changes.
    static func hash(_ sd: SecurityDescriptor) -> String { fingerprint(sd.selfRelative) }

    /// Removes an entry from the target, a folder with everything below it; returns how many
    /// entries that was.
    @discardableResult
    func remove(_ entry: Entry) throws -> Int {
        if entry.kind == .file {
            if entry.attributes.contains(.readOnly) { try target.setMetadata(entry.path, times: FileTimes(), attributes: [.archive]) }
            try target.removeFile(entry.path)
            return 1
        }
        var folders: [String] = [entry.path]
        var files = 0
        try target.walk(entry.path, onError: { throw $0 }) { e in
            if e.kind == .directory { folders.append(e.path) } else { files += try remove(e) }
            return true
        }
        for f in folders.reversed() { try target.removeDirectory(f) }
        return files + folders.count
    }
}
