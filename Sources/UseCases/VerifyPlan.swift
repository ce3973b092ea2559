import Engine
import Foundation
import MigrateCore
import Reports

/// `migrate verify`: compares each selected share's source and target without freezing or
/// changing anything (rclone check, XCP verify), writes a report per share.
public struct VerifyPlan {
    public var planFile: String
    public var shares: [String] = []
    public var content: Verifier.Content = .none
    public var compareSecurity = true
    public var reportFolder: String?
    public var operatorName: String?

    public init(planFile: String) { self.planFile = planFile }

    var contentDescribed: String {
        switch content {
        case .all: "every file"
        case .sample(let n): "a random sample of \(n) files"
        case .none: "none (sizes and write times only)"
        }
    }

    /// Throws (exit 1) when a share differs or could not be compared.
    public func run(output: Output) throws(UseCaseError) {
        let session = try PlanSession.open(planFile, output: output)
        var worst: Int32 = 0
        for m in try session.select(shares) {
            guard let (source, target) = session.openPair(m), let policy = try? session.policy(for: m) else { worst = 1; continue }
            var folders = 0
            let verifier = Verifier(source: source, target: target, mapping: m, policy: policy, compareSecurity: compareSecurity,
                                    content: content) { folders += 1; output.progress("\(m.name): comparing folder \(folders): \($0)") }
            let outcome: FrozenVerification.Outcome
            do { outcome = try FrozenVerification(verifier: verifier, repairer: nil).run() } catch {
                output.err("error: \(m.name): verify failed: \(error)")
                worst = 1
                continue
            }
            output.clearProgress()
            let header = VerifyReport.Header(migration: session.plan.name, share: m.name, source: m.source.description,
                                             target: m.targetDescription, operatorName: operatorName ?? loginName(),
                                             date: Date(), kind: "rehearsal, source not frozen", contentCompared: contentDescribed)
            let dir = reportFolder ?? session.reportFolder
            let path: String
            do { path = try VerifyReport.write(outcome, header: header, stamp: fileStamp(), to: dir) } catch {
                throw .failed("error: cannot write the report to \(dir): \(error)")
            }
            let r = outcome.found
            output.out("\(m.name): \(r.isClean ? "identical" : "\(r.differenceCount) differences"); \(r.files) files, \(r.folders) folders, \(r.contentCompared) compared by content, \(r.descriptorsCompared) ACLs compared, in \(Human.duration(r.seconds))\n  report: \(path)")
            for lack in r.sourceLacks { output.err("warning: \(m.name): \(lack)") }
            for d in r.differences.prefix(10) { output.err("differs: \(m.name): \(d.path): \(d.what)") }
            if r.differenceCount > 10 { output.err("… \(r.differenceCount - 10) more differences in \(path)") }
            if !r.isClean { worst = max(worst, 1) }
        }
        if worst != 0 { throw UseCaseError(status: worst, lines: []) }
    }
}
