import MigrateCore
import Foundation

/// What one pass over one share did (or, in a dry run, would do).
public struct PassSummary: Sendable, Codable {
    public struct Planned: Sendable, Codable, Hashable {
        public var action: String
        public var path: String
        public var bytes: UInt64
        public init(action: String, path: String, bytes: UInt64) { self.action = action; self.path = path; self.bytes = bytes }
    }
    public struct Failure: Sendable, Codable, Hashable {
        public var path: String
        public var action: String
        /// The error, typed: `reason` is its message.
        public var error: TreeError
        public var reason: String { error.description }
        public init(path: String, action: String, error: TreeError) { self.path = path; self.action = action; self.error = error }
    }

    public var share: String
    public var kind: String
    public var counts = PassCounts()
    public var acl = ACLCounts()
    public var failures: [Failure] = []
    /// Dry run: the actions, up to a bound (counts are complete).
    public var planned: [Planned] = []
    /// Dry run: how many actions there are in all (a deleted folder is one action, counted in entries).
    public var plannedActions = 0
    public var plannedBytes: UInt64 = 0
    /// What the source turned out not to have at all, said once per pass ("security descriptors
    /// (...): ACLs not copied; the target's entries inherit from their parent").
    public var sourceLacks: [String] = []
    /// Why the pass stopped early (mirror guard), if it did.
    public var stopped: String?
    public var seconds: Double = 0
    public var logFile: String?

    public init(share: String, kind: String) { self.share = share; self.kind = kind }

    public var isClean: Bool { counts.failed == 0 && stopped == nil }
    public static let plannedLimit = 10_000
}
