import Foundation
import MigrateCore

/// The cutover's verify step. The source is frozen, so what differs can be made right inside the
/// window: compare everything, repair exactly what differs, compare those entries again. It is
/// clean when every repair worked and the second comparison finds nothing.
public struct FrozenVerification {
    public typealias Outcome = VerificationOutcome

    let verifier: Verifier
    let repairer: Repairer?

    /// `repairer` nil: compare only.
    public init(verifier: Verifier, repairer: Repairer?) { self.verifier = verifier; self.repairer = repairer }

    public func run() throws -> Outcome {
        var outcome = Outcome(found: try verifier.run())
        guard !outcome.found.isClean, let repairer else { return outcome }
        guard outcome.found.differenceCount == outcome.found.differences.count else {
            outcome.notRepaired = "more than \(outcome.found.differences.count) differences (the report lists the first ones); run the final sync again"
            return outcome
        }
        let repair = try repairer.run(outcome.found.differences)
        outcome.repair = repair
        outcome.after = try verifier.recheck(repair.recheck)
        return outcome
    }
}
