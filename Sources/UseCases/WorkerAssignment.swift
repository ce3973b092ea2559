import Engine
import Foundation
import MigrateCore
import MigratePlan

/// What a copy worker process is to do, handed over as one value (JSON, one argument) instead
/// of options parsed again: which plan and share, and how the pass copies. No secret travels:
/// the worker resolves the servers' credentials itself, from the plan, as the coordinator did.
public struct WorkerAssignment: Codable, Sendable, Equatable {
    public var plan: String
    public var share: String
    public var retries: Int
    public var wait: Double
    public var copySecurity: Bool
    /// The source is frozen by `deny-write` (see `ACLPolicy.ignoresFreezeACE`).
    public var ignoresFreezeACE: Bool

    public init(plan: String, share: String, retries: Int, wait: Double, copySecurity: Bool, ignoresFreezeACE: Bool = false) {
        self.plan = URL(fileURLWithPath: plan).standardizedFileURL.path
        self.share = share; self.retries = retries; self.wait = wait; self.copySecurity = copySecurity
        self.ignoresFreezeACE = ignoresFreezeACE
    }

    /// The command line that starts a worker with this assignment: `migrate worker '{...}'`.
    public var commandLine: [String] {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let json = (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return [exe, "worker", json]
    }

    public static func decode(_ json: String) throws(UseCaseError) -> WorkerAssignment {
        do { return try JSONDecoder().decode(WorkerAssignment.self, from: Data(json.utf8)) } catch {
            throw .badInput("worker: not an assignment: \(error)")
        }
    }

    /// The worker's use case: open both trees of the share and copy what arrives on stdin until it closes.
    public func run() throws(UseCaseError) {
        let (plan, opener) = try PlanSession.load(self.plan)
        guard let mapping = plan.shares.first(where: { $0.name == share }) else {
            throw .badInput("worker: no share '\(share)' in \(self.plan)")
        }
        let source: any Tree, target: any Tree
        do { (source, target) = try opener.openPair(mapping) } catch { throw .failed("worker: \(mapping.name): \(error)") }
        var policy = plan.acl
        policy.ignoresFreezeACE = ignoresFreezeACE
        let runner = JobRunner(source: source, target: target, translator: SecurityTranslator(policy: policy),
                               copySecurity: copySecurity, retries: retries, wait: wait)
        WorkerLoop.run(runner)
    }
}
