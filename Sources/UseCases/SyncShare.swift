import Catalog
import Engine
import Foundation
import MigrateCore
import MigratePlan
import Reports

/// "Sync one share": one pass with progress, log and summary, on the pass's workers. `migrate
/// sync` runs it for every share, the cutover's final sync for the frozen one.
public struct SyncShare {
    public let mapping: ShareMapping
    public let session: PlanSession
    public var options: SyncPass.Options
    public var workers: Int

    public init(_ mapping: ShareMapping, session: PlanSession, options: SyncPass.Options, workers: Int) {
        self.mapping = mapping; self.session = session; self.options = options; self.workers = workers
    }

    /// The pass's summary; nil (after saying why) when the share could not be opened or the pass could not run.
    public func run() -> PassSummary? {
        let output = session.output
        guard let (source, target) = session.openPair(mapping) else { return nil }
        let policy: ACLPolicy
        do { policy = try session.policy(for: mapping) } catch {
            output.err("error: \(mapping.name): \(error)")
            return nil
        }
        var options = options
        options.workers = workers
        options.workerCommand = WorkerAssignment(plan: session.plan.file, share: mapping.name, retries: options.retries,
                                                 wait: options.retryWait, copySecurity: options.copySecurity,
                                                 ignoresFreezeACE: policy.ignoresFreezeACE).commandLine
        let log = try? PassLog(path: PassLog.unusedPath(session.logFolder + "/\(mapping.name)-\(fileStamp(milliseconds: true))"))
        let progress = SyncProgress(output: output, share: mapping.name)
        let pass = SyncPass(mapping: mapping, source: source, target: target, catalog: session.catalog, policy: policy,
                            options: options, log: log, events: progress.handle)
        let summary: PassSummary
        do { summary = try pass.run() } catch {
            progress.finish()
            output.err("error: \(mapping.name): pass failed: \(error)")
            return nil
        }
        progress.finish()
        output.out(Self.describe(summary))
        for f in summary.failures.prefix(10) { output.err("failed: \(mapping.name): \(f.action) \(f.path): \(f.reason)") }
        if summary.failures.count > 10 { output.err("… \(summary.failures.count - 10) more failures in \(summary.logFile ?? "the log")") }
        for lack in summary.sourceLacks { output.err("warning: \(mapping.name): \(lack)") }
        if let stopped = summary.stopped { output.err("warning: \(mapping.name): \(stopped)") }
        return summary
    }

    static func describe(_ s: PassSummary) -> String {
        let c = s.counts
        let verb = s.kind == "dry-run" ? "would copy" : "copied"
        var line = "\(s.share) (\(s.kind)): \(c.described(verb: verb)); \(Human.bytes(c.bytes)) in \(Human.duration(s.seconds))"
        if s.acl.mapped + s.acl.unmappedKept + s.acl.unmappedDropped + s.acl.unmappedFallback > 0 {
            line += "; ACL principals: \(s.acl.mapped) mapped, \(s.acl.unchanged) unchanged, \(s.acl.unmappedKept) unmapped kept, \(s.acl.unmappedDropped) dropped, \(s.acl.unmappedFallback) to fallback"
        }
        if s.acl.saclsNotCopied > 0 { line += "; \(s.acl.saclsNotCopied) SACLs not readable, not copied" }
        if let log = s.logFile { line += "\n  log: \(log)" }
        return line
    }
}

/// `migrate sync`: one pass per selected share, the dry-run report when it is a dry run.
public struct SyncPlan {
    public var planFile: String
    public var shares: [String] = []
    public var options = SyncPass.Options()
    public var workers = 4
    /// Folder for the dry-run report (nil: reports/ beside the catalog).
    public var reportFolder: String?
    /// The stop signal received, if any (polled between files and shares).
    public var stopRequested: @Sendable () -> Int32? = { nil }

    public init(planFile: String) { self.planFile = planFile }

    /// Throws when a share failed (exit 1) or a stop signal ended the run (128 + the signal).
    public func run(output: Output) throws(UseCaseError) {
        let session = try PlanSession.open(planFile, output: output, exclusive: "migrate sync")
        let selected = try session.select(shares)
        var options = options
        options.stopRequested = stopRequested
        var clean = true
        var summaries: [PassSummary] = []
        for mapping in selected {
            if stopRequested() != nil { break }
            guard let summary = SyncShare(mapping, session: session, options: options, workers: workers).run() else { clean = false; continue }
            summaries.append(summary)
            if !summary.isClean { clean = false }
        }
        if let sig = stopRequested() {
            throw .stopped(signal: sig, "stopped: \(SyncPass.Interrupted(signal: sig)); run the same command again to go on")
        }
        if options.dryRun {
            let dir = reportFolder ?? session.reportFolder
            do {
                try SyncReport.write(summaries, plan: session.plan, to: dir)
                output.out("Dry-run report: \(dir)/sync-dry-run.md (also .json)")
            } catch { throw .failed("error: cannot write the report to \(dir): \(error)") }
        }
        if !clean { throw .failed() }
    }
}
