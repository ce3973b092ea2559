import Catalog
import Foundation
import MigrateCore

/// Takes the old share offline once the cold-backup manifest is written.
public protocol DecommissionProvider {
    func plannedActions() -> [String]
    func takeOffline(_ record: CutoverRecord, say: (String) -> Void) throws
}

public struct CommandDecommission: DecommissionProvider {
    let command: OperatorCommand

    public init(command: String, host: String, share: String) { self.command = OperatorCommand(command, host: host, share: share) }

    public func plannedActions() -> [String] { [command.describe("decommission")] }

    public func takeOffline(_ record: CutoverRecord, say: (String) -> Void) throws { try command.run("decommission", say: say) }
}
