import ArgumentParser
import Foundation

/// `migrate`: moves the shares of a legacy Windows file server to a modern one.
public struct MigrateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move the shares of a legacy (SMB1) Windows file server to a modern SMB3 server, safely.",
        discussion: """
        Exit status: 0 all good, 1 the run finished but something could not be reached or read \
        (see the report), 2 bad input (plan, credentials, arguments).
        """,
        version: MigrateVersion.current,
        subcommands: [PlanCommand.self, SyncCommand.self, CutoverCommand.self, VerifyCommand.self, StatusCommand.self, WorkerCommand.self]
    )

    public init() {}

    /// Runs the command line; argument errors exit 2 as documented (the parser's own code is 64).
    public static func runMain() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

public enum MigrateVersion {
    public static let current = "0.1.0"
}
