import Glibc

/// Reads newline-terminated lines from a file descriptor, blocking (the pipes to helper and
/// worker processes).
public final class LineReader {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(fd: Int32) { self.fd = fd }

    /// The next line without its newline, or nil at end of file.
    public func nextBytes() -> [UInt8]? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }

    public func readLine() -> String? { nextBytes().map { String(decoding: $0, as: UTF8.self) } }
}
