import Catalog
import Glibc
import MigrateCore

/// Copies one file's data and metadata: data into a temporary name in the target folder, times
/// and attributes on it, then a rename into place, so no half-written file ever carries a real
/// name; the security descriptor goes last (once it excludes the account nothing else can change).
struct FileCopier {
    let source: any Tree
    let target: any Tree
    let translator: SecurityTranslator
    let copySecurity: Bool
    /// 4 MiB: libsmbclient splits reads into parallel 128 KiB requests, so big buffers pay.
    static let bufferSize = 4 << 20
    let buffer: UnsafeMutableRawBufferPointer

    init(source: any Tree, target: any Tree, translator: SecurityTranslator, copySecurity: Bool, buffer: UnsafeMutableRawBufferPointer) {
        self.source = source; self.target = target; self.translator = translator; self.copySecurity = copySecurity; self.buffer = buffer
    }

    /// The temporary name of `path` while it is being written: in the same folder, recognisable.
    static func temporaryPath(_ path: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in path.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        return joinPath(parent, ".migrate-\(String(h, radix: 16)).partial")
    }

    static func isTemporaryName(_ name: String) -> Bool { name.hasPrefix(".migrate-") && name.hasSuffix(".partial") }

    /// Copies data, then metadata; `existing` is what the target holds at that name now.
    func copy(_ entry: Entry, existing: Entry?, counts: inout SecurityTranslator.Counts, progress: (Int) -> Void) throws -> SyncedEntry {
        let tmp = Self.temporaryPath(entry.path)
        let input = try source.openForReading(entry.path)
        defer { try? input.close() }
        let output = try target.openForWriting(tmp)
        var written: UInt64 = 0
        do {
            while true {
                let n = try input.read(into: buffer)
                if n == 0 { break }
                try output.write(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
                written += UInt64(n)
                progress(n)
            }
            try output.close()
        } catch {
            try? output.close()
            try? target.removeFile(tmp)
            throw error
        }
        try input.close()
        if written != entry.size {
            try? target.removeFile(tmp)
            throw TreeError(.busy, tree: source.displayName, path: entry.path, operation: "copy",
                            detail: "size changed while copying (\(entry.size) listed, \(written) read)")
        }
        let created = try createTime(entry)
        try target.setMetadata(tmp, times: FileTimes(created: created, accessed: entry.times.accessed, modified: entry.times.modified),
                               attributes: nil)
        if let existing { try remove(existing) }
        try target.rename(tmp, to: entry.path)
        // Attributes after the rename: a rename sets the archive bit (Windows and Samba alike).
        try target.setMetadata(entry.path, times: FileTimes(), attributes: entry.attributes.intersection(.portable))
        let sdHash = try applySecurity(entry.path, counts: &counts)
        return SyncedEntry(path: entry.path, kind: .file, size: entry.size, modified: entry.times.modified, changed: entry.times.changed,
                           created: created, attributes: entry.attributes.intersection(.portable), sdHash: sdHash)
    }

    /// Times, attributes and descriptor of an entry whose data is already equal.
    func updateMetadata(_ entry: Entry, counts: inout SecurityTranslator.Counts) throws -> SyncedEntry {
        let created = try createTime(entry)
        var attrs = entry.attributes.intersection(.portable)
        if entry.kind == .directory { attrs.insert(.directory) }
        try target.setMetadata(entry.path, times: FileTimes(created: created, accessed: entry.times.accessed, modified: entry.times.modified),
                               attributes: attrs)
        let sdHash = try applySecurity(entry.path, counts: &counts)
        return SyncedEntry(path: entry.path, kind: entry.kind, size: entry.size, modified: entry.times.modified, changed: entry.times.changed,
                           created: created, attributes: entry.attributes.intersection(.portable), sdHash: sdHash)
    }

    /// The listing's create time, or one round trip when the listing has none (SMB1 sources).
    func createTime(_ entry: Entry) throws -> Timestamp? {
        if let c = entry.times.created { return c }
        return try (source as? any DetailedTree)?.details(entry.path).created
    }

    func applySecurity(_ path: String, counts: inout SecurityTranslator.Counts) throws -> String? {
        guard copySecurity, let src = source as? any SecurityDescriptorTree, let dst = target as? any SecurityDescriptorTree else { return nil }
        let sd = try src.securityDescriptor(path)
        if src.saclReadable == false { counts.saclsNotCopied += 1 }
        let mapped = try translator.translate(sd, counts: &counts)
        try dst.setSecurityDescriptor(path, mapped)
        return Self.hash(sd)
    }

    /// A fingerprint of the source descriptor, kept in the catalog to notice ACL changes.
    static func hash(_ sd: SecurityDescriptor) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in sd.selfRelative { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// Removes a target file (clearing read-only first) or a whole target folder.
    func remove(_ entry: Entry) throws {
        if entry.kind == .file {
            if entry.attributes.contains(.readOnly) { try target.setMetadata(entry.path, times: FileTimes(), attributes: [.archive]) }
            try target.removeFile(entry.path)
            return
        }
        var folders: [String] = [entry.path]
        try target.walk(entry.path, onError: { throw $0 }) { e in
            if e.kind == .directory { folders.append(e.path) } else { try remove(e) }
            return true
        }
        for f in folders.reversed() { try target.removeDirectory(f) }
    }
}
