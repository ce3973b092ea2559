import Foundation
import MigrateCore

/// Runs an operator-configured command (`/bin/sh -c`) for the command providers, with the
/// cutover's facts in the environment; a non-zero exit is a failure carrying its output.
public struct ShellCommand: Sendable {
    public var command: String
    public init(_ command: String) { self.command = command }

    @discardableResult
    public func run(environment: [String: String], input: String? = nil, what: String) throws(CutoverError) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        // The cutover's facts, and none of our secrets (password_env variables stay with us).
        p.environment = ChildEnvironment.minimal(adding: environment)
        let out = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = inPipe
        do { try p.run() } catch { throw .failed("\(what): cannot run '\(command)': \(error)") }
        if let input { try? inPipe.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0 else {
            throw .failed("\(what): '\(command)' exited with \(p.terminationStatus)\(text.isEmpty ? "" : ": " + text)")
        }
        return text
    }
}

/// The operator's command for one share: run with MIGRATE_ACTION (freeze, unfreeze,
/// decommission), MIGRATE_HOST and MIGRATE_SHARE; its output goes to the log.
public struct OperatorCommand: Sendable {
    let shell: ShellCommand
    let host: String
    let share: String

    public init(_ command: String, host: String, share: String) { shell = ShellCommand(command); self.host = host; self.share = share }

    public func describe(_ action: String) -> String {
        "run `\(shell.command)` with MIGRATE_ACTION=\(action) MIGRATE_HOST=\(host) MIGRATE_SHARE=\(share)"
    }

    public func run(_ action: String, say: (String) -> Void) throws(CutoverError) {
        let out = try shell.run(environment: ["MIGRATE_ACTION": action, "MIGRATE_HOST": host, "MIGRATE_SHARE": share],
                                what: "\(action) command")
        if !out.isEmpty { say(out) }
    }
}
