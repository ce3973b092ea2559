import ArgumentParser
import Cutover
import Engine
import Foundation
import UseCases

/// `migrate cutover PLAN.yaml`: freeze, final sync, verify and DFS switch, share by share,
/// inside the plan's windows; later `--decommission`; `--rollback` any time before that.
struct CutoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutover",
        abstract: "Run the weekend: freeze the source, final sync, verify, switch the DFS link (then, later, decommission).",
        discussion: """
        Each share moves through freeze, final-sync, verify and switch; every step is checked, recorded in the catalog \
        and safe to rerun after an interruption. Changing steps run only inside the plan's cutover windows \
        (--force overrides and is logged). Exit status: 0 done, 1 a step failed, 2 bad input or a refusal \
        (outside a window, forecast does not fit, step not allowed yet). MIGRATE_NOW=<ISO 8601> sets the clock for a rehearsal.
        """
    )

    @OptionGroup var plan: PlanShares

    @Flag(name: .long, help: "Print the runbook (Markdown): every share, step, command, expected duration and window. Changes nothing.")
    var dryRun = false

    @Option(name: .long, help: "Stop after this step.")
    var until: UntilStep = .switch

    @Flag(name: .long, help: "Decommission switched shares: check the source is unchanged, write the manifest, take the old share offline.")
    var decommission = false

    @Flag(name: .long, help: "Undo the cutover of the shares (any state before decommission): DFS link back, source permissions restored.")
    var rollback = false

    @Flag(name: .long, help: "Run changing steps outside the plan's windows (logged in the catalog).")
    var force = false

    @Flag(name: .long, help: "Freeze even when the final sync is forecast not to fit the window (logged).")
    var ignoreForecast = false

    @Flag(name: .long, help: "Confirm irreversible steps (decommission) without a prompt.")
    var yes = false

    @OptionGroup var operatorOption: OperatorOption

    @Option(name: .long, help: "Worker processes for the final sync.")
    var workers = 4

    @Option(name: .long, help: "Which unchanged entries the final sync compares ACLs of: all (default: the source is frozen, the last chance), folders, auto, none.")
    var aclCheck: SyncPass.ACLCheck = .all

    func validate() throws {
        if decommission && rollback { throw ValidationError("--decommission and --rollback exclude each other") }
    }

    func run() throws {
        var cutover = CutoverPlan(planFile: plan.planFile)
        cutover.shares = plan.shares
        cutover.run = dryRun ? .runbook : rollback ? .rollback : decommission ? .decommission : .advance(through: until.step)
        cutover.options.force = force
        cutover.options.ignoreForecast = ignoreForecast
        cutover.options.yes = yes
        cutover.options.operatorName = operatorOption.resolved
        cutover.workers = workers
        cutover.aclCheck = aclCheck
        try perform { console throws(UseCaseError) in
            cutover.confirm = { Self.confirm($0, console: console) }
            try cutover.execute(output: console)
        }
    }

    /// Irreversible: the operator types the share names (or passes --yes).
    static func confirm(_ names: [String], console: Console) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else { return false }
        let want = names.joined(separator: ",")
        console.err("Decommission takes \(want) offline on the old server for good. Type \(want) to confirm:")
        return readLine()?.trimmingCharacters(in: .whitespaces) == want
    }
}
