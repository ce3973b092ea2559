import MigrateCore

extension TreeError {
    /// Any error of a job as the typed error that crosses the worker boundary and goes into the
    /// catalog: a tree's own error as it is, the SID map's refusal and anything else with the
    /// place and operation it happened at.
    static func of(_ error: any Error, tree: String, path: String, operation: String) -> TreeError {
        switch error {
        case let e as TreeError: e
        case let e as SecurityTranslator.Unmappable: TreeError(.refusedByPlan, tree: tree, path: path, operation: operation, detail: e.description)
        default: TreeError(.unexpected, tree: tree, path: path, operation: operation, detail: "\(error)")
        }
    }
}
