import Foundation
import Glibc

/// One run at a time on a catalog: `sync` and `cutover` hold an exclusive lock on
/// `<catalog>.lock` and write there who holds it, for the run they turn away. The lock is a
/// `flock`, which the kernel drops when the process ends however it ends (a crash, SIGKILL, a
/// dropped SSH session), so a lock file left by a dead run is simply taken over.
public final class RunLock {
    public let path: String
    private let fd: Int32

    /// Another run holds the catalog.
    public struct Held: Error, CustomStringConvertible {
        public let path: String
        public let holder: String
        public var description: String { "the catalog is in use by \(holder) (lock file \(path)); wait for that run to end, or stop it" }
    }

    public struct Unusable: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot lock the catalog (\(path)): \(reason)" }
    }

    /// Takes the lock for `command` ("migrate sync"), or says who has it.
    public init(catalogPath: String, command: String) throws {
        path = catalogPath + ".lock"
        try? FileManager.default.createDirectory(atPath: (catalogPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Not inherited by the worker processes: the lock is the coordinator's alone.
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Unusable(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            Glibc.close(fd)
            if e != EWOULDBLOCK { throw Unusable(path: path, reason: String(cString: strerror(e))) }
            throw Held(path: path, holder: holder.isEmpty ? "another process" : holder)
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let since = ISO8601DateFormatter().string(from: Date())
        let text = "pid \(getpid()) on \(String(cString: host)) since \(since) (\(command))\n"
        ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        Glibc.close(fd)
    }
}
