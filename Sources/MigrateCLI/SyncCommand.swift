import ArgumentParser
import Catalog
import Engine
import Foundation
import MigrateCore
import MigratePlan
import Reports

/// `migrate sync PLAN.yaml`: one mirror pass per share (full the first time, then deltas).
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Mirror every share of the plan to its target: data, times, attributes, owner and ACLs.",
        discussion: "The first pass copies everything; later passes copy only what changed and delete from the target what is gone from the source. Safe to rerun after any failure."
    )

    @Argument(help: "The plan file (YAML).")
    var planFile: String

    @Option(name: .customLong("share"), help: "Only this share (repeatable).")
    var shares: [String] = []

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
        let console = Console()
        let session = try PlanSession.open(planFile, console: console, exclusive: "migrate sync")
        let plan = session.plan
        let selected = try session.select(shares)
        var options = SyncPass.Options()
        options.dryRun = dryRun
        options.allowMassDelete = allowMassDelete
        options.retries = retries
        options.retryWait = wait
        options.copySecurity = !noAcls
        options.aclCheck = aclCheck
        options.trustCatalog = quick
        StopSignals.install()
        options.stopRequested = { StopSignals.requested }
        var clean = true
        var summaries: [PassSummary] = []
        for mapping in selected {
            if StopSignals.requested != nil { break }
            guard let summary = Self.pass(mapping, session: session, options: options, workers: workers) else { clean = false; continue }
            summaries.append(summary)
            if !summary.isClean { clean = false }
        }
        if let sig = StopSignals.requested {
            console.err("stopped: \(SyncPass.Interrupted(signal: sig)); run the same command again to go on")
            throw ExitCode(128 + sig)
        }
        if dryRun {
            let dir = report ?? session.reportFolder
            do {
                try SyncReport.write(summaries, plan: plan, to: dir)
                console.out("Dry-run report: \(dir)/sync-dry-run.md (also .json)")
            } catch { console.err("error: cannot write the report to \(dir): \(error)"); throw ExitCode(1) }
        }
        if !clean { throw ExitCode(1) }
    }

    /// One pass over one share with progress, log and summary; nil (after saying why) when the
    /// share could not be opened or the pass could not run. The cutover's final sync uses it too.
    static func pass(_ mapping: ShareMapping, session: PlanSession, options: SyncPass.Options, workers: Int) -> PassSummary? {
        let console = session.console
        guard let (source, target) = session.openPair(mapping) else { return nil }
        var options = options
        options.workers = workers
        options.workerCommand = WorkerCommand.commandLine(plan: session.plan.file, share: mapping.name, retries: options.retries,
                                                          wait: options.retryWait, noAcls: !options.copySecurity)
        let log = try? PassLog(path: PassLog.unusedPath(session.logFolder + "/\(mapping.name)-\(stamp(milliseconds: true))"))
        let progress = SyncProgress(console: console, share: mapping.name)
        let pass = SyncPass(mapping: mapping, source: source, target: target, catalog: session.catalog, policy: session.plan.acl,
                            options: options, log: log, events: progress.handle)
        let summary: PassSummary
        do { summary = try pass.run() } catch {
            progress.finish()
            console.err("error: \(mapping.name): pass failed: \(error)")
            return nil
        }
        progress.finish()
        console.out(describe(summary))
        for f in summary.failures.prefix(10) { console.err("failed: \(mapping.name): \(f.action) \(f.path): \(f.reason)") }
        if summary.failures.count > 10 { console.err("… \(summary.failures.count - 10) more failures in \(summary.logFile ?? "the log")") }
        if let stopped = summary.stopped { console.err("warning: \(mapping.name): \(stopped)") }
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

    /// `20261128-190000` (UTC); with `milliseconds`, `20261128-190000-123`: pass logs, which
    /// sort in the order the passes started even when several start in one second.
    static func stamp(milliseconds: Bool = false) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = milliseconds ? "yyyyMMdd-HHmmss-SSS" : "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }
}

/// Turns engine events into a progress line: with the total known (the catalog's entries for a
/// delta, the plan's inventory for a first pass), percent and ETA; files copied, bytes, rate,
/// failures and the current path. Plain lines every 10 s where stderr is no terminal.
final class SyncProgress {
    let console: Console
    let share: String
    let started = monotonicSeconds()
    var examined = 0, files = 0, folders = 0, failed = 0
    var expected: Int?
    var bytes: UInt64 = 0
    var current = ""
    var last = 0.0

    init(console: Console, share: String) { self.console = console; self.share = share }

    func handle(_ e: SyncPass.Event) {
        switch e {
        case .folder(let p): current = p
        case .done(let action, let p, _):
            if action == .mkdir { folders += 1 } else if action == .copy || action == .update { files += 1 }
            current = p
        case .failed: failed += 1
        case .bytes(let n): bytes += UInt64(n)
        case .deleting(let n): current = "deleting \(n) entries"
        case .expected(let n): expected = n
        case .examined(let n): examined = n
        }
        let now = monotonicSeconds()
        guard now - last > 0.25 else { return }
        last = now
        console.progress(Self.line(share: share, examined: examined, expected: expected, files: files, folders: folders, bytes: bytes,
                                   failed: failed, elapsed: now - started, current: current))
    }

    /// `Projects: 45 % of 3131 entries, ETA 12 s; 1405 examined, 312 files and 20 folders copied, 52.1 MiB at 10.2 MiB/s  Alpha/Work 03`
    static func line(share: String, examined: Int, expected: Int?, files: Int, folders: Int, bytes: UInt64, failed: Int,
                     elapsed: Double, current: String) -> String {
        var parts: [String] = []
        if let expected, expected > 0 {
            let fraction = min(Double(examined) / Double(expected), 1)
            var head = "\(Int(fraction * 100)) % of \(expected) entries"
            // An ETA once there is enough to go on (a few percent, a few seconds).
            if fraction >= 0.02, elapsed >= 2, fraction < 1 { head += ", ETA \(Human.duration(elapsed / fraction - elapsed))" }
            parts.append(head)
        }
        parts.append("\(examined) examined, \(files) files and \(folders) folders copied, \(Human.bytes(bytes)) at \(Human.rate(Double(bytes) / max(elapsed, 0.001)))"
                     + (failed > 0 ? ", \(failed) failed" : ""))
        return "\(share): " + parts.joined(separator: "; ") + "  \(current)"
    }

    func finish() { console.clearProgress() }
}

extension SyncPass.ACLCheck: ExpressibleByArgument {}
