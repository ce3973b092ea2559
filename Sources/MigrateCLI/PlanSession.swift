import ArgumentParser
import Catalog
import Foundation
import MigrateCore
import MigratePlan

/// What every command that works on a plan needs: the validated plan, credentials, the catalog,
/// and trees for the shares. Bad input ends the command with exit 2 and a message.
struct PlanSession {
    let plan: Plan
    let opener: PlanTreeOpener
    let catalog: CatalogDatabase
    let console: Console
    /// Held by commands that change the catalog and the servers (sync, cutover): one run at a time.
    let lock: RunLock?

    /// `exclusive`: the command's name, to take the catalog's run lock for; a second run is
    /// refused (exit 2) with who holds it.
    static func open(_ file: String, console: Console, exclusive command: String? = nil) throws -> PlanSession {
        let (plan, opener) = try load(file, console: console)
        var lock: RunLock?
        if let command {
            do { lock = try RunLock(catalogPath: plan.catalogPath, command: command) } catch {
                console.err("error: \(error)")
                throw ExitCode(2)
            }
        }
        let catalog: CatalogDatabase
        do { catalog = try CatalogDatabase(path: plan.catalogPath) } catch {
            console.err("error: \(error)")
            throw ExitCode(2)
        }
        return PlanSession(plan: plan, opener: opener, catalog: catalog, console: console, lock: lock)
    }

    /// The validated plan and every server's credentials (exit 2 when either is bad).
    static func load(_ file: String, console: Console) throws -> (Plan, PlanTreeOpener) {
        let plan = try loadPlan(file, console: console)
        return (plan, try opener(for: plan, console: console))
    }

    /// The validated plan, every problem printed and exit 2 when it is broken.
    static func loadPlan(_ file: String, console: Console) throws -> Plan {
        do { return try PlanLoader.load(path: file) } catch {
            console.err(error.description)
            console.err("\(error.problems.count) problem(s) in \(file); nothing was done.")
            throw ExitCode(2)
        }
    }

    /// Every server's credentials, resolved up front (exit 2 when one cannot be had).
    static func opener(for plan: Plan, console: Console) throws -> PlanTreeOpener {
        let opener: PlanTreeOpener
        do { opener = try PlanTreeOpener(plan: plan) } catch {
            console.err("\(error)")
            throw ExitCode(2)
        }
        return opener
    }

    var folder: String { (plan.catalogPath as NSString).deletingLastPathComponent }
    var logFolder: String { folder + "/logs" }
    var reportFolder: String { folder + "/reports" }

    /// The plan's shares, or those named (exit 2 for an unknown name).
    func select(_ names: [String]) throws -> [ShareMapping] {
        guard !names.isEmpty else { return plan.shares }
        var out: [ShareMapping] = []
        for n in names {
            guard let m = plan.shares.first(where: { $0.name.caseInsensitiveCompare(n) == .orderedSame }) else {
                console.err("error: no share '\(n)' in \(plan.file) (shares: \(plan.shares.map(\.name).joined(separator: ", ")))")
                throw ExitCode(2)
            }
            out.append(m)
        }
        return out
    }

    /// Source and target trees of a share, or nil after saying why.
    func openPair(_ mapping: ShareMapping) -> (any Tree, any Tree)? {
        do { return try opener.openPair(mapping) } catch {
            console.err("error: \(mapping.name): \(error)")
            return nil
        }
    }
}
