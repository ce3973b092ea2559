import MigrateCore

/// What one source share holds, as the dry-run report shows it. Built while walking; holds
/// counters and bounded lists only, never the whole tree.
public struct ShareInventory: Codable, Sendable {
    public struct LargeFile: Codable, Sendable, Hashable { public var path: String; public var size: UInt64 }
    public struct NamedIssue: Codable, Sendable, Hashable { public var path: String; public var problem: String }
    public struct Unreadable: Codable, Sendable, Hashable {
        public var path: String; public var operation: String; public var reason: String
        public init(path: String, operation: String, reason: String) {
            self.path = path; self.operation = operation; self.reason = reason
        }
    }
    public struct PrincipalUse: Codable, Sendable, Hashable {
        public var sid: String
        public var name: String?
        /// How many entries name it (owner, group or an ACE).
        public var entries: Int
        /// "same" (well-known or copy mode), "mapped", "unmapped: keep|drop|fail|fallback".
        public var decision: String
        public var target: String?
        public var targetName: String?
    }

    public var name: String
    public var source: String
    public var target: String
    public var connected: Bool = false
    public var connectError: String?
    public var files = 0
    public var folders = 0
    public var bytes: UInt64 = 0
    public var excluded = 0
    public var hidden = 0
    public var readOnly = 0
    public var system = 0
    public var largest: [LargeFile] = []
    /// Files by age of their last write, in buckets "< 1 year", "1-3 years", …
    public var ageHistogram: [String: Int] = [:]
    public var byYear: [Int: Int] = [:]
    public var explicitACLs = 0
    /// Entries with inheritance disabled: where access differs from the parent's.
    public var protectedEntries: [String] = []
    public var protectedCount = 0
    public var withSACL = 0
    /// false: the account could not read SACLs (no SeSecurityPrivilege), so audit settings are unknown.
    public var saclsReadable: Bool?
    public var principals: [PrincipalUse] = []
    public var nameIssues: [NamedIssue] = []
    public var nameIssueCount = 0
    public var unreadable: [Unreadable] = []
    public var unreadableCount = 0
    /// What the source does not have at all (no security descriptors), said once.
    public var sourceLacks: [String] = []
    public var seconds: Double = 0
    /// Measured on this share: bytes/s reading a large file, files/s reading small ones.
    public var readBytesPerSecond: Double?
    public var readFilesPerSecond: Double?
    public var estimatedCopySeconds: Double?
    /// How the estimate was made (what was measured).
    public var estimateBasis: String?
    /// The copy probe: small files a second on `copyLanes` lanes, and one large file's bytes a second.
    public var copyFilesPerSecond: Double?
    public var copyBytesPerSecond: Double?
    public var copyLanes: Int?

    public init(name: String, source: String, target: String) {
        self.name = name; self.source = source; self.target = target
    }

    public static let ageBuckets = ["< 1 year", "1-3 years", "3-5 years", "5-10 years", "> 10 years"]
    public static let listLimit = 200
}
