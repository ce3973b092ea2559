import ArgumentParser

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
        subcommands: [PlanCommand.self, SyncCommand.self, CutoverCommand.self, StatusCommand.self, WorkerCommand.self]
    )

    public init() {}
}

public enum MigrateVersion {
    public static let current = "0.1.0"
}
