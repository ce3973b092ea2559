import ArgumentParser
import Glibc
import UseCases

/// `migrate worker ASSIGNMENT`: started by `migrate sync`, never by hand. Copies the files it is
/// handed on stdin through its own SMB connections and answers on stdout.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Internal: a copy worker of `migrate sync`.",
        shouldDisplay: false
    )

    @Argument(help: "The assignment (JSON), as `migrate sync` writes it.")
    var assignment: String

    func run() throws {
        StopSignals.ignoreInWorker()
        // Die with the coordinator: an orphaned worker would go on writing into the target
        // while a rerun cleans up after the killed pass.
        let parent = getppid()
        dieWithParent()
        if getppid() != parent { throw ExitCode(1) }
        try perform { _ throws(UseCaseError) in try WorkerAssignment.decode(assignment).run() }
    }
}

/// prctl(PR_SET_PDEATHSIG, SIGKILL): Glibc's Swift module does not export prctl, so look it up.
private func dieWithParent() {
    typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
    let prctl = unsafeBitCast(symbol, to: Prctl.self)
    _ = prctl(1 /* PR_SET_PDEATHSIG */, UInt(SIGKILL), 0, 0, 0)
}
