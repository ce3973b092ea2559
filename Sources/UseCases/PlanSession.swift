import Catalog
import Cutover
import Foundation
import MigrateCore
import MigratePlan

/// What every use case that works on a plan needs: the validated plan, credentials, the catalog,
/// and trees for the shares. Bad input ends it with `UseCaseError.badInput` (exit 2).
public struct PlanSession {
    public let plan: Plan
    public let opener: PlanTreeOpener
    public let catalog: CatalogDatabase
    public let output: Output
    /// Held by use cases that change the catalog and the servers (sync, cutover): one run at a time.
    let lock: RunLock?

    /// `exclusive`: the command's name, to take the catalog's run lock for; a second run is
    /// refused (exit 2) with who holds it.
    public static func open(_ file: String, output: Output, exclusive command: String? = nil) throws(UseCaseError) -> PlanSession {
        let (plan, opener) = try load(file)
        var lock: RunLock?
        if let command {
            do { lock = try RunLock(catalogPath: plan.catalogPath, command: command) } catch { throw .badInput("error: \(error)") }
        }
        let catalog: CatalogDatabase
        do { catalog = try CatalogDatabase(path: plan.catalogPath) } catch { throw .badInput("error: \(error)") }
        return PlanSession(plan: plan, opener: opener, catalog: catalog, output: output, lock: lock)
    }

    /// The validated plan and every server's credentials.
    public static func load(_ file: String) throws(UseCaseError) -> (Plan, PlanTreeOpener) {
        let plan = try loadPlan(file)
        return (plan, try opener(for: plan))
    }

    /// The validated plan; every problem said when it is broken.
    public static func loadPlan(_ file: String) throws(UseCaseError) -> Plan {
        do { return try PlanLoader.load(path: file) } catch {
            throw .badInput(error.description, "\(error.problems.count) problem(s) in \(file); nothing was done.")
        }
    }

    /// Every server's credentials, resolved up front.
    public static func opener(for plan: Plan) throws(UseCaseError) -> PlanTreeOpener {
        do { return try PlanTreeOpener(plan: plan) } catch { throw .badInput("\(error)") }
    }

    public var folder: String { (plan.catalogPath as NSString).deletingLastPathComponent }
    public var logFolder: String { folder + "/logs" }
    public var reportFolder: String { folder + "/reports" }

    /// The plan's shares, or those named.
    public func select(_ names: [String]) throws(UseCaseError) -> [ShareMapping] {
        guard !names.isEmpty else { return plan.shares }
        var out: [ShareMapping] = []
        for n in names {
            guard let m = plan.shares.first(where: { $0.name.caseInsensitiveCompare(n) == .orderedSame }) else {
                throw .badInput("error: no share '\(n)' in \(plan.file) (shares: \(plan.shares.map(\.name).joined(separator: ", ")))")
            }
            out.append(m)
        }
        return out
    }

    /// The plan's ACL policy for one share: while its source is frozen by `deny-write`, its
    /// descriptors are taken without the freeze's own ACE.
    public func policy(for mapping: ShareMapping) throws -> ACLPolicy {
        var policy = plan.acl
        let record = try catalog.cutover(share: try catalog.shareID(for: mapping))
        policy.ignoresFreezeACE = record?.freezeMethod == DenyWriteFreeze.method
        return policy
    }

    /// Source and target trees of a share, or nil after saying why.
    func openPair(_ mapping: ShareMapping) -> (any Tree, any Tree)? {
        do { return try opener.openPair(mapping) } catch {
            output.err("error: \(mapping.name): \(error)")
            return nil
        }
    }
}
