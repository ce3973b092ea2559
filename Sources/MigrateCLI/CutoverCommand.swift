import ArgumentParser
import Catalog
import Cutover
import Engine
import Foundation
import MigrateCore
import MigratePlan
import Reports
import SMBKit

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

    @Argument(help: "The plan file (YAML).")
    var planFile: String

    @Option(name: .customLong("share"), help: "Only this share (repeatable).")
    var shares: [String] = []

    @Flag(name: .long, help: "Print the runbook (Markdown): every share, step, command, expected duration and window. Changes nothing.")
    var dryRun = false

    @Option(name: .long, help: "Stop after this step: freeze, final-sync, verify or switch (default: switch).")
    var until: String = "switch"

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

    @Option(name: .long, help: "Who runs the cutover, for the journal (default: the login name).")
    var operatorName: String?

    @Option(name: .long, help: "Worker processes for the final sync.")
    var workers = 4

    @Option(name: .long, help: "Which unchanged entries the final sync compares ACLs of: all (default: the source is frozen, the last chance), folders, auto, none.")
    var aclCheck: SyncPass.ACLCheck = .all

    func validate() throws {
        if decommission && rollback { throw ValidationError("--decommission and --rollback exclude each other") }
        guard CutoverStep(rawValue: until).map({ CutoverStep.weekend.contains($0) }) == true else {
            throw ValidationError("--until must be one of: \(CutoverStep.weekend.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let console = Console()
        // The runbook (--dry-run) changes nothing and may be printed while a run goes on.
        let session = try PlanSession.open(planFile, console: console, exclusive: dryRun ? nil : "migrate cutover")
        let selected = try session.select(shares)
        let clock: CutoverClock
        do { clock = try CutoverClock.fromEnvironment() } catch { console.err("error: \(error)"); throw ExitCode(2) }
        if clock.isRehearsal { console.err("note: rehearsal clock MIGRATE_NOW=\(ProcessInfo.processInfo.environment["MIGRATE_NOW"] ?? "")") }
        let setup: CutoverSetup
        do { setup = try CutoverSetup(session: session) } catch { console.err("error: \(error)"); throw ExitCode(2) }

        if dryRun {
            let sections: [Runbook.ShareSection]
            do { sections = try selected.map { try setup.runbookSection($0) } } catch let e as CutoverError {
                console.err("error: \(e)")
                throw ExitCode(e.isRefusal ? 2 : 1)
            }
            console.out(Runbook.markdown(plan: session.plan, planFile: planFile, sections: sections, now: clock.now))
            return
        }
        var confirmed = yes
        if decommission && !yes {
            confirmed = Self.confirm(selected.map(\.name), console: console)
        }
        var options = CutoverOptions()
        options.force = force; options.ignoreForecast = ignoreForecast; options.yes = confirmed
        options.operatorName = operatorName ?? Self.loginName()
        var worst: Int32 = 0
        for mapping in selected {
            let log = CutoverLog(path: session.logFolder + "/cutover-\(mapping.name).log", console: console, operatorName: options.operatorName)
            do {
                let runner = try setup.runner(mapping, clock: clock, options: options, workers: workers, aclCheck: aclCheck, say: log.say)
                if rollback { try runner.run(.rollback) }
                else if decommission { try runner.run(.decommission) }
                else { try runner.advance(through: CutoverStep(rawValue: until) ?? .switch) }
            } catch let e as CutoverError {
                log.fail("\(e)")
                worst = max(worst, e.isRefusal ? 2 : 1)
            } catch {
                log.fail("\(mapping.name): \(error)")
                worst = max(worst, 1)
            }
        }
        if worst != 0 { throw ExitCode(worst) }
    }

    /// Irreversible: the operator types the share names (or passes --yes).
    static func confirm(_ names: [String], console: Console) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else { return false }
        let want = names.joined(separator: ",")
        console.err("Decommission takes \(want) offline on the old server for good. Type \(want) to confirm:")
        return readLine()?.trimmingCharacters(in: .whitespaces) == want
    }

    static func loginName() -> String {
        let env = ProcessInfo.processInfo.environment
        let user = env["SUDO_USER"] ?? env["USER"] ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(getuid())"
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }
}

/// Every line of a share's cutover goes to the terminal and, time-stamped, to its log file
/// (a PassLog: appended and flushed line by line, so it survives a killed process).
final class CutoverLog {
    let log: PassLog?
    let console: Console

    init(path: String, console: Console, operatorName: String) {
        self.console = console
        log = try? PassLog(path: path)
        log?.line("run", "by \(operatorName): \(CommandLine.arguments.joined(separator: " "))")
    }

    func say(_ line: String) { console.out(line); log?.line("cutover", line) }
    func fail(_ line: String) { console.err("error: \(line)"); log?.line("error", line) }
}
