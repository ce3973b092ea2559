import ArgumentParser
import Catalog
import Cutover
import Engine
import MigratePlan
import Foundation
import Reports

/// `migrate status PLAN.yaml`: per share the last passes, their counts and failures.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each share's last passes: when, what they did, what failed, and the cost of the next delta."
    )

    @Argument(help: "The plan file (YAML).")
    var planFile: String

    func run() throws {
        let console = Console()
        let session = try PlanSession.open(planFile, console: console)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        console.out("\(session.plan.name) (catalog \(session.plan.catalogPath))")
        for mapping in session.plan.shares {
            let passes = try session.catalog.passes(share: mapping.name, limit: 20).filter { $0.kind != .dryRun }
            guard let last = passes.first else {
                console.out("\n\(mapping.name): no pass yet (\(mapping.source) -> \(mapping.targetDescription))")
                continue
            }
            defer { try? cutoverLines(mapping, session).forEach(console.out) }
            let c = last.counts
            let took = last.ended.map { Human.duration($0 - last.started) } ?? "still running or interrupted"
            console.out("\n\(mapping.name): last pass #\(last.id) \(last.kind.rawValue), \(last.status.rawValue), started \(f.string(from: Date(timeIntervalSince1970: last.started))), took \(took)")
            console.out("  copied \(c.copied), updated \(c.updated), metadata \(c.metadata), deleted \(c.deleted), unchanged \(c.skipped), failed \(c.failed), \(Human.bytes(c.bytes)); \(c.sourceEntries) source entries")
            if let m = last.message { console.out("  note: \(m)") }
            if c.failed > 0 {
                let failures = try session.catalog.work(pass: last.id, state: .failed, limit: 10)
                for w in failures { console.out("  failed: \(w.action.rawValue) \(w.path): \(w.error ?? "")") }
            }
            // The next delta costs about what the last complete delta took (a full pass if none yet).
            if let delta = passes.first(where: { $0.kind == .delta && $0.status == .completed }), let end = delta.ended {
                console.out("  next delta: about \(Human.duration(end - delta.started)) (last completed delta)")
            } else {
                console.out("  next delta: unknown until a delta pass has completed")
            }
        }
    }

    /// The share's cutover state and its last step, when a cutover has begun.
    func cutoverLines(_ mapping: ShareMapping, _ session: PlanSession) throws -> [String] {
        let id = try session.catalog.shareID(for: mapping)
        guard let state = try CutoverRunner.state(catalog: session.catalog, shareID: id, share: mapping.name) else { return [] }
        var out = ["  cutover: \(state.rawValue)"]
        if let step = try session.catalog.steps(share: id).last {
            out.append("  last cutover step: \(step.step) \(step.status) at \(CutoverRunner.time(step.ended ?? step.started)) by \(step.operatorName)\(step.forced.map { " [override: \($0)]" } ?? "")\(step.detail.map { ": \($0)" } ?? "")")
        }
        if let m = try session.catalog.cutover(share: id)?.manifest { out.append("  manifest: \(m)") }
        return out
    }
}
