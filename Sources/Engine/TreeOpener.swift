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

extension TreeOpener {
    /// A mapping's source and target trees, as passes, workers, verify and the copy probe use them.
    public func openPair(_ mapping: ShareMapping) throws(TreeError) -> (source: any Tree, target: any Tree) {
        let source = try open(mapping.source)
        let target = switch mapping.target {
        case .share(let t): try open(t)
        case .localFolder(let folder): try openLocal(folder)
        }
        return (source, target)
    }
}
