import ArgumentParser
import Engine
import Foundation
import MigrateCore
import Reports

/// `migrate verify PLAN.yaml`: compares each share's source and target without freezing
/// anything (rclone check, XCP verify): for rehearsals and before the weekend.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare source and target of every share (nothing is changed or frozen); exit 1 on differences.",
        discussion: """
        Every entry on both sides: kind, size, write and create times, attributes, alternate data streams, owner, \
        group, DACL and its protected flag after the SID map. File content is compared with --checksum (every file, \
        SHA-256 of both sides) or --sample N (N files picked at random). The source is not frozen, so what users \
        changed since the last pass shows as a difference. Exit status: 0 identical, 1 differences or a share that \
        could not be compared, 2 bad input.
        """
    )

    @Argument(help: "The plan file (YAML).")
    var planFile: String

    @Option(name: .customLong("share"), help: "Only this share (repeatable).")
    var shares: [String] = []

    @Flag(name: .long, help: "Read every file on both sides and compare SHA-256 checksums.")
    var checksum = false

    @Option(name: .long, help: "Compare the content of this many files, picked at random.")
    var sample: Int?

    @Flag(name: .long, help: "Do not compare owners and ACLs.")
    var noAcls = false

    @Option(name: .long, help: "Folder for the reports (default: reports/ beside the catalog).")
    var report: String?

    @Option(name: .long, help: "Who runs it, for the report (default: the login name).")
    var operatorName: String?

    func validate() throws {
        if checksum && sample != nil { throw ValidationError("--checksum and --sample exclude each other") }
        if let sample, sample < 1 { throw ValidationError("--sample must be 1 or more") }
    }

    func run() throws {
        let console = Console()
        let session = try PlanSession.open(planFile, console: console)
        let content: Verifier.Content = checksum ? .all : sample.map { .sample($0) } ?? .none
        let described = checksum ? "every file" : sample.map { "a random sample of \($0) files" } ?? "none (sizes and write times only)"
        var worst: Int32 = 0
        for m in try session.select(shares) {
            guard let (source, target) = session.openPair(m) else { worst = 1; continue }
            var folders = 0
            let verifier = Verifier(source: source, target: target, mapping: m, policy: session.plan.acl, compareSecurity: !noAcls,
                                    content: content) { folders += 1; console.progress("\(m.name): comparing folder \(folders): \($0)") }
            let outcome: FrozenVerification.Outcome
            do { outcome = try FrozenVerification(verifier: verifier, repairer: nil).run() } catch {
                console.err("error: \(m.name): verify failed: \(error)")
                worst = 1
                continue
            }
            console.clearProgress()
            let header = VerifyReport.Header(migration: session.plan.name, share: m.name, source: m.source.description,
                                             target: m.targetDescription, operatorName: operatorName ?? CutoverCommand.loginName(),
                                             date: Date(), kind: "rehearsal, source not frozen", contentCompared: described)
            let dir = report ?? session.reportFolder
            let path: String
            do { path = try VerifyReport.write(outcome, header: header, stamp: SyncCommand.stamp(), to: dir) } catch {
                console.err("error: cannot write the report to \(dir): \(error)")
                throw ExitCode(1)
            }
            let r = outcome.found
            console.out("\(m.name): \(r.isClean ? "identical" : "\(r.differenceCount) differences"); \(r.files) files, \(r.folders) folders, \(r.contentCompared) compared by content, \(r.descriptorsCompared) ACLs compared, in \(Human.duration(r.seconds))\n  report: \(path)")
            for d in r.differences.prefix(10) { console.err("differs: \(m.name): \(d.path): \(d.what)") }
            if r.differenceCount > 10 { console.err("… \(r.differenceCount - 10) more differences in \(path)") }
            if !r.isClean { worst = max(worst, 1) }
        }
        if worst != 0 { throw ExitCode(worst) }
    }
}
