import Glibc
import MigrateCore

/// A local folder as a `Tree`: data, modify/access times and the read-only attribute (as the
/// owner write bit). Create time and hidden/system are not stored by Linux file systems.
public final class LocalFolderTree: Tree {
    public let root: String
    public var displayName: String { root }
    public let timePrecision: Int64 = 1

    public init(root: String) throws(TreeError) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        guard let dir = opendir(self.root) else { throw fail("", "open folder") }
        closedir(dir)
    }

    func full(_ path: String) -> String { path.isEmpty ? root : root + "/" + path }

    /// A path that could leave the folder (`..`, `.`, an empty or absolute component) is refused:
    /// whatever a source calls an entry, nothing is ever made outside the tree.
    func checked(_ path: String) throws(TreeError) {
        guard !path.isEmpty else { return }
        if path.hasPrefix("/") || path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0 == "." || $0 == ".." || $0.contains("\0") }) {
            throw TreeError(.invalidArgument, tree: displayName, path: path, operation: "resolve path",
                            detail: "the path has an empty, '.' or '..' component and could leave the folder; refused")
        }
    }

    func fail(_ path: String, _ op: String, _ code: Int32 = errno) -> TreeError {
        let kind: TreeError.Kind
        switch code {
        case ENOENT: kind = .notFound
        case EACCES, EPERM: kind = .accessDenied
        case EEXIST: kind = .alreadyExists
        case ENOTEMPTY: kind = .notEmpty
        case EBUSY: kind = .busy
        default: kind = .io
        }
        return TreeError(kind, tree: displayName, path: path, operation: op,
                         detail: "\(String(cString: strerror(code))) (errno \(code))")
    }

    func entry(_ path: String, _ st: Glibc.stat) -> Entry {
        let isDir = (st.st_mode & S_IFMT) == S_IFDIR
        var attrs: DOSAttributes = isDir ? [.directory] : [.archive]
        if st.st_mode & S_IWUSR == 0 { attrs.insert(.readOnly) }
        return Entry(path: path, kind: isDir ? .directory : .file, size: isDir ? 0 : UInt64(st.st_size),
                     times: FileTimes(created: nil, accessed: Timestamp(st.st_atim), modified: Timestamp(st.st_mtim),
                                      changed: Timestamp(st.st_ctim)),
                     attributes: attrs)
    }

    public func stat(_ path: String) throws(TreeError) -> Entry {
        try checked(path)
        var st = Glibc.stat()
        if lstat(full(path), &st) != 0 { throw fail(path, "stat") }
        return entry(path, st)
    }

    public func list(_ path: String, _ body: (Entry) throws -> Void) throws {
        try checked(path)
        guard let dir = opendir(full(path)) else { throw fail(path, "list folder") }
        defer { closedir(dir) }
        let fd = dirfd(dir)
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: ent.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var st = Glibc.stat()
            if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { continue }
            let kind = st.st_mode & S_IFMT
            guard kind == S_IFDIR || kind == S_IFREG else { continue }   // symlinks, devices: not migrated
            try body(entry(joinPath(path, name), st))
        }
    }

    public func makeDirectory(_ path: String) throws(TreeError) {
        try checked(path)
        if mkdir(full(path), 0o755) != 0 { throw fail(path, "create folder") }
    }

    public func removeFile(_ path: String) throws(TreeError) {
        try checked(path)
        if unlink(full(path)) != 0 { throw fail(path, "delete file") }
    }

    public func removeDirectory(_ path: String) throws(TreeError) {
        try checked(path)
        if rmdir(full(path)) != 0 { throw fail(path, "delete folder") }
    }

    public func rename(_ from: String, to: String) throws(TreeError) {
        try checked(from); try checked(to)
        if Glibc.rename(full(from), full(to)) != 0 { throw fail(from, "rename to \(to)") }
    }

    public func openForReading(_ path: String) throws(TreeError) -> any ReadableFile {
        try checked(path)
        let fd = open(full(path), O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw fail(path, "open for reading") }
        return LocalFile(tree: self, path: path, fd: fd)
    }

    public func openForResuming(_ path: String, at offset: UInt64) throws(TreeError) -> any WritableFile {
        try checked(path)
        let fd = open(full(path), O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw fail(path, "open for resuming") }
        let file = LocalFile(tree: self, path: path, fd: fd)
        try file.seek(to: offset)
        return file
    }

    public func openForWriting(_ path: String) throws(TreeError) -> any WritableFile {
        try checked(path)
        let fd = open(full(path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw fail(path, "open for writing") }
        return LocalFile(tree: self, path: path, fd: fd)
    }

    public func setMetadata(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError) {
        try checked(path)
        if let a = times.accessed ?? times.modified, let m = times.modified ?? times.accessed {
            var ts = [timespec(tv_sec: Int(a.seconds), tv_nsec: Int(a.nanoseconds)),
                      timespec(tv_sec: Int(m.seconds), tv_nsec: Int(m.nanoseconds))]
            if utimensat(AT_FDCWD, full(path), &ts, AT_SYMLINK_NOFOLLOW) != 0 { throw fail(path, "set times") }
        }
        if let attributes {
            var st = Glibc.stat()
            if lstat(full(path), &st) != 0 { throw fail(path, "stat") }
            var mode = st.st_mode & 0o7777
            if attributes.contains(.readOnly) { mode &= ~mode_t(0o222) } else { mode |= S_IWUSR }
            if chmod(full(path), mode) != 0 { throw fail(path, "set attributes") }
        }
    }
}

final class LocalFile: ReadableFile, WritableFile {
    let tree: LocalFolderTree
    let path: String
    private var fd: Int32

    init(tree: LocalFolderTree, path: String, fd: Int32) { self.tree = tree; self.path = path; self.fd = fd }
    deinit { if fd >= 0 { Glibc.close(fd) } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TreeError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw tree.fail(path, "read") }
        }
    }

    func seek(to offset: UInt64) throws(TreeError) {
        if lseek(fd, off_t(offset), SEEK_SET) < 0 { throw tree.fail(path, "seek") }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TreeError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 { if errno == EINTR { continue }; throw tree.fail(path, "write") }
            done += n
        }
    }

    func close() throws(TreeError) {
        guard fd >= 0 else { return }
        let rc = Glibc.close(fd)
        fd = -1
        if rc != 0 { throw tree.fail(path, "close") }
    }
}
