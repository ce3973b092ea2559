import Foundation
import Glibc

/// The log file of a pass: one line per action and per error, tab separated, each line written
/// as it happens (one write: a killed process loses nothing it logged).
public final class PassLog {
    public let path: String
    private let fd: Int32
    /// The time stamp of the current second, made once per second (a date formatter per line
    /// cost more than the rest of the line on small files).
    private var second: time_t = -1
    private var stamp = ""

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(.init(rawValue: errno) ?? .EIO)])
        }
    }

    deinit { close(fd) }

    /// `base.log`, or `base-2.log`, `base-3.log`… when that is taken (passes started within the
    /// stamp's resolution): one log per pass, never two passes' lines in one file.
    public static func unusedPath(_ base: String) -> String {
        var path = base + ".log", n = 1
        while FileManager.default.fileExists(atPath: path) { n += 1; path = "\(base)-\(n).log" }
        return path
    }

    public func line(_ what: String, _ text: String) {
        let now = time(nil)
        if now != second {
            var t = now, parts = tm()
            gmtime_r(&t, &parts)
            stamp = String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                           parts.tm_hour, parts.tm_min, parts.tm_sec)
            second = now
        }
        var line = stamp + "\t" + what + "\t" + (text.contains("\n") ? text.replacingOccurrences(of: "\n", with: " ") : text) + "\n"
        line.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n <= 0 { return }
                done += n
            }
        }
    }
}
