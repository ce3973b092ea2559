import ArgumentParser
import Cutover
import Engine
import UseCases

/// The plan file every command takes.
struct PlanArgument: ParsableArguments {
    @Argument(help: "The plan file (YAML).")
    var planFile: String
}

/// The plan file and the shares to work on.
struct PlanShares: ParsableArguments {
    @Argument(help: "The plan file (YAML).")
    var planFile: String

    @Option(name: .customLong("share"), help: "Only this share (repeatable).")
    var shares: [String] = []
}

/// Who runs a command, for journals and reports.
struct OperatorOption: ParsableArguments {
    @Option(name: .long, help: "Who runs it, for the journal and the reports (default: the login name).")
    var operatorName: String?

    var resolved: String { operatorName ?? loginName() }
}

extension SyncPass.ACLCheck: ExpressibleByArgument {}

/// The steps `cutover --until` may stop after.
enum UntilStep: String, CaseIterable, ExpressibleByArgument {
    case freeze
    case finalSync = "final-sync"
    case verify
    case `switch`

    var step: CutoverStep { CutoverStep(rawValue: rawValue)! }
}

/// Runs one use case: what it could not do is said on stderr and ends the command with the
/// status it names.
func perform(_ body: (Console) throws(UseCaseError) -> Void) throws {
    let console = Console()
    do { try body(console) } catch {
        for line in error.lines { console.err(line) }
        throw ExitCode(error.status)
    }
}
