import Catalog
import Foundation
import MigrateCore

/// Makes a source share read-only for its users and undoes that exactly.
public protocol FreezeProvider {
    /// What freezing will do, for the runbook.
    func plannedActions() -> [String]
    /// Freezes. What undoing needs goes into `record` and through `save` before anything changes.
    func freeze(_ record: inout CutoverRecord, save: (CutoverRecord) throws -> Void, say: (String) -> Void) throws
    func unfreeze(_ record: CutoverRecord, say: (String) -> Void) throws
}

/// An operator's own command (Windows `net share`, PowerShell over SSH, ...).
public struct CommandFreeze: FreezeProvider {
    let command: OperatorCommand

    public init(command: String, host: String, share: String) { self.command = OperatorCommand(command, host: host, share: share) }

    public func plannedActions() -> [String] { [command.describe("freeze"), "rollback: " + command.describe("unfreeze")] }

    public func freeze(_ record: inout CutoverRecord, save: (CutoverRecord) throws -> Void, say: (String) -> Void) throws {
        try command.run("freeze", say: say)
    }

    public func unfreeze(_ record: CutoverRecord, say: (String) -> Void) throws { try command.run("unfreeze", say: say) }
}
