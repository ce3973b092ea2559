import Foundation
import MigrateCore

/// A long-lived helper process spoken to in lines over its stdin and stdout (the Samba Python
/// helper, smbclient). Started on demand by its channel, stopped when it dies or is dropped.
final class HelperProcess {
    private let process: Process
    private let input: FileHandle
    private let output: LineReader

    /// Starts `executable`; stderr goes with stdout (`mergeStderr`) or is discarded.
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, mergeStderr: Bool) throws {
        // A helper that died must surface as an error on write, not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = mergeStderr ? stdout : FileHandle.nullDevice
        try p.run()
        process = p
        input = stdin.fileHandleForWriting
        output = LineReader(fd: stdout.fileHandleForReading.fileDescriptor)
    }

    deinit { stop() }

    /// Writes text; false when the helper is gone.
    func send(_ text: String) -> Bool {
        do { try input.write(contentsOf: Data(text.utf8)); return true } catch { return false }
    }

    /// The next line, or nil when the helper is gone.
    func readLine() -> String? { output.readLine() }

    func stop() {
        try? input.close()
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }
}
