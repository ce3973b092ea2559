import Foundation

/// The log file of a pass: one line per action and per error, tab separated, flushed as it goes
/// so it survives a killed process.
public final class PassLog {
    public let path: String
    private let handle: FileHandle
    private let formatter = ISO8601DateFormatter()

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = h
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    public func line(_ what: String, _ text: String) {
        let clean = text.replacingOccurrences(of: "\n", with: " ")
        handle.write(Data("\(formatter.string(from: Date()))\t\(what)\t\(clean)\n".utf8))
    }
}
