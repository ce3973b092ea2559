import Foundation
import MigrateCore

/// Why a cutover step did not happen. `refused` and `badInput` exit 2, the rest 1.
public enum CutoverError: Error, CustomStringConvertible {
    case badInput(String)
    case refused(String)
    case illegal(IllegalTransition)
    case server(TreeError, doing: String)
    case failed(String)

    public var description: String {
        switch self {
        case .badInput(let m), .refused(let m), .failed(let m): m
        case .illegal(let t): t.description
        case .server(let e, let doing): "\(doing): \(e)"
        }
    }

    public var isRefusal: Bool {
        switch self { case .badInput, .refused, .illegal: true; default: false }
    }
}

/// Named crash points for the crash tests: `MIGRATE_FAILPOINT=freeze-saved` kills the process
/// (SIGKILL, as a power cut would) at that point, so a rerun must finish or undo the step.
public enum Failpoint {
    public static func hit(_ name: String) {
        if let want = ProcessInfo.processInfo.environment["MIGRATE_FAILPOINT"], want == name {
            kill(getpid(), SIGKILL)
        }
    }
}
