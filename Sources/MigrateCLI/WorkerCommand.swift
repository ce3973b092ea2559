import ArgumentParser
import Engine
import Foundation
import Glibc
import MigratePlan
import MigrateCore

/// `migrate worker`: started by `migrate sync`, never by hand. Copies the files it is handed on
/// stdin through its own SMB connections and answers on stdout.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Internal: a copy worker of `migrate sync`.",
        shouldDisplay: false
    )

    @Argument var planFile: String
    @Option var share: String
    @Option var retries = 2
    @Option var wait: Double = 2
    @Flag var noAcls = false

    /// The command line that starts a worker for one share.
    static func commandLine(plan: String, share: String, retries: Int, wait: Double, noAcls: Bool) -> [String] {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let planPath = URL(fileURLWithPath: plan).standardizedFileURL.path
        return [exe, "worker", planPath, "--share", share, "--retries", String(retries), "--wait", String(wait)] + (noAcls ? ["--no-acls"] : [])
    }

    func run() throws {
        StopSignals.ignoreInWorker()
        // Die with the coordinator: an orphaned worker would go on writing into the target
        // while a rerun cleans up after the killed pass.
        let parent = getppid()
        dieWithParent()
        if getppid() != parent { throw ExitCode(1) }
        let console = Console()
        let (plan, opener) = try PlanSession.load(planFile, console: console)
        guard let mapping = plan.shares.first(where: { $0.name == share }) else {
            console.err("worker: no share '\(share)' in \(planFile)")
            throw ExitCode(2)
        }
        let source: any Tree, target: any Tree
        do { (source, target) = try opener.openPair(mapping) } catch {
            console.err("worker: \(mapping.name): \(error)")
            throw ExitCode(1)
        }
        let runner = JobRunner(source: source, target: target, translator: SecurityTranslator(policy: plan.acl),
                               copySecurity: !noAcls, retries: retries, wait: wait)
        WorkerLoop.run(runner)
    }
}

/// prctl(PR_SET_PDEATHSIG, SIGKILL): Glibc's Swift module does not export prctl, so look it up.
private func dieWithParent() {
    typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
    let prctl = unsafeBitCast(symbol, to: Prctl.self)
    _ = prctl(1 /* PR_SET_PDEATHSIG */, UInt(SIGKILL), 0, 0, 0)
}
