import Catalog
import Cutover
import Engine
import Foundation
import MigrateCore
import MigratePlan

/// `migrate cutover`: the weekend for the selected shares (freeze through switch, or up to a
/// step), the decommission, a rollback, or the runbook of all of it (changing nothing).
public struct CutoverPlan {
    public enum Run: Sendable, Equatable {
        case runbook
        case advance(through: CutoverStep)
        case decommission
        case rollback
    }

    public var planFile: String
    public var shares: [String] = []
    public var run: Run = .advance(through: .switch)
    public var options = CutoverOptions()
    public var workers = 4
    public var aclCheck: SyncPass.ACLCheck = .all

    public init(planFile: String) { self.planFile = planFile }

    /// Asked before a decommission without `options.yes`: the operator confirms these shares.
    public var confirm: ([String]) -> Bool = { _ in false }

    public func execute(output: Output, environment: [String: String] = ProcessInfo.processInfo.environment) throws(UseCaseError) {
        // The runbook changes nothing and may be printed while a run goes on.
        let session = try PlanSession.open(planFile, output: output, exclusive: run == .runbook ? nil : "migrate cutover")
        let selected = try session.select(shares)
        let clock: CutoverClock
        do { clock = try CutoverClock.fromEnvironment() } catch { throw .badInput("error: \(error)") }
        if clock.isRehearsal { output.err("note: rehearsal clock MIGRATE_NOW=\(environment["MIGRATE_NOW"] ?? "")") }
        let setup: CutoverSetup
        do { setup = try CutoverSetup(session: session) } catch { throw .badInput("error: \(error)") }

        if run == .runbook {
            let sections: [Runbook.ShareSection]
            do { sections = try selected.map { try setup.runbookSection($0) } } catch let e as CutoverError {
                throw UseCaseError(status: e.isRefusal ? 2 : 1, lines: ["error: \(e)"])
            } catch { throw .failed("error: \(error)") }
            output.out(Runbook.markdown(plan: session.plan, planFile: planFile, sections: sections, now: clock.now))
            return
        }
        var options = options
        if run == .decommission && !options.yes { options.yes = confirm(selected.map(\.name)) }
        var worst: Int32 = 0
        for mapping in selected {
            let log = CutoverLog(path: session.logFolder + "/cutover-\(mapping.name).log", output: output, operatorName: options.operatorName)
            do {
                let runner = try setup.runner(mapping, clock: clock, options: options, workers: workers, aclCheck: aclCheck, say: log.say)
                switch run {
                case .rollback: try runner.run(.rollback)
                case .decommission: try runner.run(.decommission)
                case .advance(let step): try runner.advance(through: step)
                case .runbook: break
                }
            } catch let e as CutoverError {
                log.fail("\(e)")
                worst = max(worst, e.isRefusal ? 2 : 1)
            } catch {
                log.fail("\(mapping.name): \(error)")
                worst = max(worst, 1)
            }
        }
        if worst != 0 { throw UseCaseError(status: worst, lines: []) }
    }
}

/// Every line of a share's cutover goes to the output and, time-stamped, to its log file
/// (a PassLog: appended and flushed line by line, so it survives a killed process).
final class CutoverLog {
    let log: PassLog?
    let output: Output

    init(path: String, output: Output, operatorName: String) {
        self.output = output
        log = try? PassLog(path: path)
        log?.line("run", "by \(operatorName): \(CommandLine.arguments.joined(separator: " "))")
    }

    func say(_ line: String) { output.out(line); log?.line("cutover", line) }
    func fail(_ line: String) { output.err("error: \(line)"); log?.line("error", line) }
}

/// Who runs a command, for journals and reports: `user@host` (the sudo user where there is one).
public func loginName(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
    let user = env["SUDO_USER"] ?? env["USER"] ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(getuid())"
    return "\(user)@\(ProcessInfo.processInfo.hostName)"
}
