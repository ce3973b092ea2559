import MigrateCore
import MigratePlan

/// Opens the trees a plan names. The CLI provides the implementation (SMB or local folder), so
/// the engine never knows which backend it has.
public protocol TreeOpener {
    /// Logs on and opens the share (or folder); throws when it cannot be reached.
    func open(_ location: ShareLocation) throws(TreeError) -> any Tree
    func openLocal(_ folder: String) throws(TreeError) -> any Tree
    /// An opener with connections of its own, for trees used on another thread (as a worker
    /// process has its own).
    func independent() throws -> any TreeOpener
}
