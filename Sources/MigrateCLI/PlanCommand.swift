import ArgumentParser
import Catalog
import Engine
import Foundation
import Inventory
import MigratePlan
import Reports

/// `migrate plan PLAN.yaml`: validate, connect, inventory, write the dry-run report.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Check a plan, connect to every share, inventory the sources and write the dry-run report."
    )

    @Argument(help: "The plan file (YAML).")
    var planFile: String

    @Option(name: .long, help: "Folder for plan-report.md/.json/.html (default: reports/ beside the catalog).")
    var report: String?

    @Flag(name: .long, help: "Do not read security descriptors (faster; no principal list).")
    var noAcls = false

    @Flag(name: .long, help: "Do not measure copy rates (no duration estimate, nothing written to the targets).")
    var noProbe = false

    @Option(name: .long, help: "The workers the first sync will run (sync --workers): the copy probe runs as many lanes.")
    var workers = 4

    @Flag(name: .long, help: "Only validate the plan file; do not connect.")
    var validateOnly = false

    func run() throws {
        let console = Console()
        let plan = try PlanSession.loadPlan(planFile, console: console)
        if validateOnly {
            let errors = Secrets.checkFiles(of: plan)
            for e in errors { console.err("error: \(e)") }
            if !errors.isEmpty { throw ExitCode(2) }
            console.out("\(planFile): plan is valid (\(plan.shares.count) shares, \(plan.servers.count) servers)")
            return
        }
        let opener = try PlanSession.opener(for: plan, console: console)
        let dryRun = DryRun(plan: plan, opener: opener, options: .init(readSecurity: !noAcls, measureReadRate: !noProbe, lanes: max(workers, 1)))
        let result = dryRun.run { event in
            switch event {
            case .connected(let c) where !c.ok:
                console.err("error: \(c.role) \(c.location) (share \(c.share), as \(c.account)): \(c.error ?? "failed")")
            case .connected(let c):
                if let t = c.transport { console.err("\(c.role) \(c.location): \(t)") }
            case .walking(let p):
                console.progress("\(p.share): \(p.files) files, \(p.folders) folders, \(Human.bytes(p.bytes))  \(p.currentPath)")
            case .shareDone(let s):
                console.clearProgress()
                if s.connected {
                    console.err("\(s.name): \(s.files) files, \(s.folders) folders, \(Human.bytes(s.bytes))"
                                + (s.unreadableCount > 0 ? ", \(s.unreadableCount) could not be read" : ""))
                    for u in s.unreadable.prefix(5) {
                        console.err("warning: \(s.source)\\\(u.path.replacingOccurrences(of: "/", with: "\\")): \(u.operation): \(u.reason)")
                    }
                }
            }
        }
        let dir = report ?? URL(fileURLWithPath: plan.catalogPath).deletingLastPathComponent().appendingPathComponent("reports").path
        do {
            try ReportWriter.write(result, to: dir)
        } catch {
            console.err("error: cannot write the report to \(dir): \(error)")
            throw ExitCode(1)
        }
        console.out("Report: \(dir)/plan-report.md (also .json, .html)")
        recordEstimates(result, plan, console)
        console.out("\(result.shares.count) shares, \(result.totalFiles) files, \(result.totalFolders) folders, \(Human.bytes(result.totalBytes))"
                    + (result.estimatedSeconds.map { "; estimated copy time \(Human.duration($0))" } ?? ""))
        if !result.unmapped.isEmpty { console.out("\(result.unmapped.count) principal(s) will not map: see the report") }
        if !result.isClean {
            console.out("\(result.failedConnections.count) connection problem(s), \(result.unreadableCount) item(s) could not be read")
            throw ExitCode(1)
        }
    }

    /// Each share's estimate goes to the catalog, so its first pass is shown against it (`status`).
    func recordEstimates(_ result: PlanReport, _ plan: Plan, _ console: Console) {
        guard result.shares.contains(where: { $0.estimatedCopySeconds != nil }) else { return }
        do {
            let catalog = try CatalogDatabase(path: plan.catalogPath)
            for (s, m) in zip(result.shares, plan.shares) {
                guard let seconds = s.estimatedCopySeconds else { continue }
                try catalog.recordEstimate(share: try catalog.shareID(for: m), .init(seconds: seconds, basis: "the plan's estimate"),
                                           entries: s.files + s.folders, bytes: s.bytes, at: Date().timeIntervalSince1970)
            }
        } catch { console.err("warning: the estimates could not be kept in the catalog: \(error)") }
    }
}
