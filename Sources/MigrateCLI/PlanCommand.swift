import ArgumentParser
import UseCases

/// `migrate plan PLAN.yaml`: validate, connect, inventory, write the dry-run report.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Check a plan, connect to every share, inventory the sources and write the dry-run report."
    )

    @OptionGroup var plan: PlanArgument

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
        var inventory = InventoryPlan(planFile: plan.planFile)
        inventory.reportFolder = report
        inventory.options = .init(readSecurity: !noAcls, measureReadRate: !noProbe, lanes: max(workers, 1))
        inventory.validateOnly = validateOnly
        try perform { console throws(UseCaseError) in try inventory.run(output: console) }
    }
}
