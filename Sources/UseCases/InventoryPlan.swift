import Catalog
import Engine
import Foundation
import Inventory
import MigratePlan
import Reports

/// `migrate plan`: validate the plan (and stop there, or) connect to every share, inventory the
/// sources, probe the copy rate, write the plan report and keep each share's estimate.
public struct InventoryPlan {
    public var planFile: String
    public var reportFolder: String?
    public var options = DryRun.Options()
    public var validateOnly = false

    public init(planFile: String) { self.planFile = planFile }

    /// Throws bad input (exit 2) for a broken plan or credentials, a failed run (exit 1) when a
    /// share could not be reached or read.
    public func run(output: Output) throws(UseCaseError) {
        let plan = try PlanSession.loadPlan(planFile)
        if validateOnly {
            let errors = Secrets.checkFiles(of: plan)
            if !errors.isEmpty { throw UseCaseError(status: 2, lines: errors.map { "error: \($0)" }) }
            output.out("\(planFile): plan is valid (\(plan.shares.count) shares, \(plan.servers.count) servers)")
            return
        }
        let opener = try PlanSession.opener(for: plan)
        let result = DryRun(plan: plan, opener: opener, options: options).run { event in
            switch event {
            case .connected(let c) where !c.ok:
                output.err("error: \(c.role) \(c.location) (share \(c.share), as \(c.account)): \(c.error ?? "failed")")
            case .connected(let c):
                if let t = c.transport { output.err("\(c.role) \(c.location): \(t)") }
            case .walking(let p):
                output.progress("\(p.share): \(p.files) files, \(p.folders) folders, \(Human.bytes(p.bytes))  \(p.currentPath)")
            case .shareDone(let s):
                output.clearProgress()
                if s.connected {
                    output.err("\(s.name): \(s.files) files, \(s.folders) folders, \(Human.bytes(s.bytes))"
                               + (s.unreadableCount > 0 ? ", \(s.unreadableCount) could not be read" : ""))
                    for u in s.unreadable.prefix(5) {
                        output.err("warning: \(s.source)\\\(u.path.replacingOccurrences(of: "/", with: "\\")): \(u.operation): \(u.reason)")
                    }
                }
            }
        }
        let dir = reportFolder ?? URL(fileURLWithPath: plan.catalogPath).deletingLastPathComponent().appendingPathComponent("reports").path
        do { try ReportWriter.write(result, to: dir) } catch { throw .failed("error: cannot write the report to \(dir): \(error)") }
        output.out("Report: \(dir)/plan-report.md (also .json, .html)")
        recordEstimates(result, plan, output)
        output.out("\(result.shares.count) shares, \(result.totalFiles) files, \(result.totalFolders) folders, \(Human.bytes(result.totalBytes))"
                   + (result.estimatedSeconds.map { "; estimated copy time \(Human.duration($0))" } ?? ""))
        if !result.unmapped.isEmpty { output.out("\(result.unmapped.count) principal(s) will not map: see the report") }
        if !result.isClean {
            output.out("\(result.failedConnections.count) connection problem(s), \(result.unreadableCount) item(s) could not be read")
            throw .failed()
        }
    }

    /// Each share's estimate goes to the catalog, so its first pass is shown against it (`status`).
    func recordEstimates(_ result: PlanReport, _ plan: Plan, _ output: Output) {
        guard result.shares.contains(where: { $0.estimatedCopySeconds != nil }) else { return }
        do {
            let catalog = try CatalogDatabase(path: plan.catalogPath)
            for (s, m) in zip(result.shares, plan.shares) {
                guard let seconds = s.estimatedCopySeconds else { continue }
                try catalog.recordEstimate(share: try catalog.shareID(for: m), .init(seconds: seconds, basis: "the plan's estimate"),
                                           entries: s.files + s.folders, bytes: s.bytes, at: Date().timeIntervalSince1970)
            }
        } catch { output.err("warning: the estimates could not be kept in the catalog: \(error)") }
    }
}
