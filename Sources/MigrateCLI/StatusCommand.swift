import ArgumentParser
import UseCases

/// `migrate status PLAN.yaml`: per share the last passes, their counts and failures.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each share's last passes: when, what they did, what failed, and the cost of the next delta."
    )

    @OptionGroup var plan: PlanArgument

    @Option(name: .long, help: "Also write status.md and status.html (passes, forecasts, throughput chart) into this folder.")
    var report: String?

    func run() throws {
        var status = StatusQuery(planFile: plan.planFile)
        status.reportFolder = report
        try perform { console throws(UseCaseError) in try status.run(output: console) }
    }
}
