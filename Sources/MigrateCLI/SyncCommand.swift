import ArgumentParser
import Engine
import UseCases

/// `migrate sync PLAN.yaml`: one mirror pass per share (full the first time, then deltas).
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Mirror every share of the plan to its target: data, times, attributes, owner and ACLs.",
        discussion: "The first pass copies everything; later passes copy only what changed and delete from the target what is gone from the source. Safe to rerun after any failure."
    )

    @OptionGroup var plan: PlanShares

    @Flag(name: .long, help: "Only list what the pass would do; change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Let a pass delete more than 10 % of the target.")
    var allowMassDelete = false

    @Option(name: .long, help: "Retries per file for locked or unreachable files (robocopy /R).")
    var retries = 2

    @Option(name: .long, help: "Seconds between retries (robocopy /W).")
    var wait: Double = 2

    @Flag(name: .long, help: "Do not copy owners and ACLs.")
    var noAcls = false

    @Option(name: .long, help: "Which unchanged entries get their ACL compared: auto (folders when the source does not maintain change times), folders, all, none.")
    var aclCheck: SyncPass.ACLCheck = .auto

    @Flag(name: .long, help: "Delta passes take the target side from the catalog instead of listing it (faster; changes made directly on the target are not seen). The cutover's final sync always lists.")
    var quick = false

    @Option(name: .long, help: "Folder for the dry-run report (default: reports/ beside the catalog).")
    var report: String?

    @Option(name: .long, help: "Worker processes copying files, each with its own connections (0: none).")
    var workers = 4

    func validate() throws {
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        guard wait >= 0 else { throw ValidationError("--wait must be 0 or more") }
        guard (0...64).contains(workers) else { throw ValidationError("--workers must be between 0 and 64") }
    }

    func run() throws {
        var sync = SyncPlan(planFile: plan.planFile)
        sync.shares = plan.shares
        sync.options.dryRun = dryRun
        sync.options.allowMassDelete = allowMassDelete
        sync.options.retries = retries
        sync.options.retryWait = wait
        sync.options.copySecurity = !noAcls
        sync.options.aclCheck = aclCheck
        sync.options.trustCatalog = quick
        sync.workers = workers
        sync.reportFolder = report
        StopSignals.install()
        sync.stopRequested = { StopSignals.requested }
        try perform { console throws(UseCaseError) in try sync.run(output: console) }
    }
}
