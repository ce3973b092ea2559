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

/// A folder inside a share cannot be taken offline with the share (its other folders are still
/// in use): after a deny-write freeze it stays read-only, its deny ACEs kept, with the manifest
/// as the record; after a share-permissions freeze the decommission is refused.
public struct FolderDecommission: DecommissionProvider {
    let location: String
    let keepsFrozen: Bool

    public init(location: String, keepsFrozen: Bool) { self.location = location; self.keepsFrozen = keepsFrozen }

    public func plannedActions() -> [String] {
        keepsFrozen ? ["\(location) stays read-only: the freeze's deny-write ACEs stay (the rest of the share is not touched)"]
                    : ["refused: taking the share offline would cut off its other folders (use decommission: method: command)"]
    }

    public func takeOffline(_ record: CutoverRecord, say: (String) -> Void) throws {
        guard keepsFrozen else {
            throw CutoverError.badInput("\(location) is a folder inside a share: disable-share would take the whole share offline; use decommission: method: command, or freeze: method: deny-write (the folder then stays read-only)")
        }
        say("\(location) stays read-only for good (its deny-write ACEs stay)")
    }
}
