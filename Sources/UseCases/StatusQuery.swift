import Catalog
import Cutover
import Foundation
import MigrateCore
import MigratePlan
import Reports

/// `migrate status`: per share the last passes, their counts and failures, every pass against
/// its forecast, the next delta's forecast (the one the cutover's freeze gate builds on) and
/// the cutover's state; with `reportFolder`, status.md and status.html as well.
public struct StatusQuery {
    public var planFile: String
    public var reportFolder: String?

    public init(planFile: String) { self.planFile = planFile }

    public func run(output: Output) throws(UseCaseError) {
        let session = try PlanSession.open(planFile, output: output)
        do { try report(session, output) } catch let e as UseCaseError { throw e } catch { throw .failed("error: the catalog: \(error)") }
    }

    func report(_ session: PlanSession, _ output: Output) throws {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        output.out("\(session.plan.name) (catalog \(session.plan.catalogPath))")
        if let reportFolder {
            let shares = try session.plan.shares.map { m in
                StatusReport.Share(name: m.name, source: m.source.description, target: m.targetDescription,
                                   passes: try session.catalog.passes(share: m.name, limit: 30).filter { $0.kind != .dryRun },
                                   cutover: try cutoverLines(m, session), failedByCause: try causes(m, session))
            }
            do { output.out("Report: " + (try StatusReport.write(shares, plan: session.plan, generated: Date(), to: reportFolder)) + " (also .html)") } catch {
                throw UseCaseError.failed("error: cannot write the report to \(reportFolder): \(error)")
            }
        }
        for mapping in session.plan.shares {
            let passes = try session.catalog.passes(share: mapping.name, limit: 20).filter { $0.kind != .dryRun }
            guard let last = passes.first else {
                output.out("\n\(mapping.name): no pass yet (\(mapping.source) -> \(mapping.targetDescription))")
                continue
            }
            defer { try? cutoverLines(mapping, session).forEach(output.out) }
            let c = last.counts
            let took = last.seconds.map(Human.duration) ?? "still running or interrupted"
            output.out("\n\(mapping.name): last pass #\(last.id) \(last.kind.rawValue), \(last.status.rawValue), started \(f.string(from: Date(timeIntervalSince1970: last.started))), took \(took)")
            output.out("  \(c.described()), \(Human.bytes(c.bytes)); \(c.sourceEntries) source entries")
            if let m = last.message { output.out("  note: \(m)") }
            try failureLines(last, session).forEach(output.out)
            output.out("  passes, forecast against actual:")
            for p in passes.prefix(10) { output.out("    " + Self.forecastLine(p, f)) }
            let id = try session.catalog.shareID(for: mapping)
            if let next = PassForecast.next(isDelta: true, passes: passes, estimate: try session.catalog.estimate(share: id)),
               let final = PassForecast.finalSync(passes: passes) {
                let took = Human.duration(next.seconds)
                output.out("  next delta: \(took.hasPrefix("under") ? took : "about " + took) (\(next.basis)); the cutover's final sync is forecast at \(Human.duration(final.seconds)) (+ 25 %, at least 5 s)")
            } else {
                output.out("  next delta: unknown until a delta pass has completed")
            }
        }
    }

    /// The last pass's failed entries counted by the kind of their error.
    func causes(_ m: ShareMapping, _ session: PlanSession) throws -> [(cause: String, count: Int)] {
        guard let last = try session.catalog.passes(share: m.name, limit: 5).first(where: { $0.kind != .dryRun }) else { return [] }
        return try causes(pass: last.id, session)
    }

    func causes(pass: Int64, _ session: PlanSession) throws -> [(cause: String, count: Int)] {
        try session.catalog.failedKinds(pass: pass).map { ($0.kind.map(TreeError.phrase) ?? "other", $0.count) }
    }

    /// Every failed entry of the pass, up to 50; beyond that, where the full list is.
    func failureLines(_ pass: PassRecord, _ session: PlanSession) throws -> [String] {
        let total = try session.catalog.workCount(pass: pass.id, state: .failed)
        guard total > 0 else { return [] }
        let kinds = try causes(pass: pass.id, session).map { "\($0.count) \($0.cause)" }
        var out = ["  failed entries by cause: " + kinds.joined(separator: ", ")]
        out += try session.catalog.work(pass: pass.id, state: .failed, limit: 50).map { "  failed: \($0.action.rawValue) \($0.path): \($0.error ?? "")" }
        if total > out.count - 1 {
            out.append("  … \(total - out.count + 1) more failed entries: every one is in \(pass.log ?? "the pass's log") (lines starting 'error')")
        }
        return out
    }

    /// `#12 delta completed 2026-11-28 19:00:03: took 41 s, forecast 38 s (the last completed delta (#11)), +8 %`
    static func forecastLine(_ p: PassRecord, _ f: DateFormatter) -> String {
        var line = "#\(p.id) \(p.kind.rawValue) \(p.status.rawValue) \(f.string(from: Date(timeIntervalSince1970: p.started))): took \(p.seconds.map(Human.duration) ?? "-")"
        guard let forecast = p.forecast else { return line + ", no forecast" }
        line += ", forecast \(Human.duration(forecast.seconds)) (\(forecast.basis))"
        if let took = p.seconds, forecast.seconds > 0 { line += String(format: ", %+.0f %%", (took - forecast.seconds) / forecast.seconds * 100) }
        return line
    }

    /// The share's cutover state and its last step, when a cutover has begun.
    func cutoverLines(_ mapping: ShareMapping, _ session: PlanSession) throws -> [String] {
        let id = try session.catalog.shareID(for: mapping)
        guard let state = try CutoverRunner.state(catalog: session.catalog, shareID: id, share: mapping.name) else { return [] }
        var out = ["  cutover: \(state.rawValue)"]
        if let step = try session.catalog.steps(share: id).last {
            out.append("  last cutover step: \(step.step) \(step.status.rawValue) at \(CutoverRunner.time(step.ended ?? step.started)) by \(step.operatorName)\(step.forced.map { " [override: \($0)]" } ?? "")\(step.detail.map { ": \($0)" } ?? "")")
        }
        if let m = try session.catalog.cutover(share: id)?.manifest { out.append("  manifest: \(m)") }
        return out
    }
}
