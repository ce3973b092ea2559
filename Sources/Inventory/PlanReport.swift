import Foundation

/// The dry-run report `migrate plan` writes: what will move, how long it may take, what will not map.
public struct PlanReport: Codable, Sendable {
    public struct ConnectionCheck: Codable, Sendable {
        public var role: String      // "source", "target", "namespace"
        public var share: String
        public var location: String
        public var account: String
        public var ok: Bool
        public var error: String?
        /// How the share is reached and protected ("direct SMB 3.1.1, signed AES-128-GMAC").
        public var transport: String?
        /// Something to know that is no problem ("the folder does not exist yet: the first pass creates it").
        public var note: String?
        public init(role: String, share: String, location: String, account: String, ok: Bool, error: String? = nil, transport: String? = nil) {
            self.role = role; self.share = share; self.location = location; self.account = account; self.ok = ok; self.error = error
            self.transport = transport
        }
    }

    public var migration: String
    public var planFile: String
    public var generatedAt: String
    public var aclMode: String
    public var unmappedPolicy: String
    public var connections: [ConnectionCheck] = []
    public var shares: [ShareInventory] = []
    public var cutoverWindows: [String] = []

    public init(migration: String, planFile: String, generatedAt: String, aclMode: String, unmappedPolicy: String) {
        self.migration = migration; self.planFile = planFile; self.generatedAt = generatedAt
        self.aclMode = aclMode; self.unmappedPolicy = unmappedPolicy
    }

    public var totalFiles: Int { shares.reduce(0) { $0 + $1.files } }
    public var totalFolders: Int { shares.reduce(0) { $0 + $1.folders } }
    public var totalBytes: UInt64 { shares.reduce(0) { $0 + $1.bytes } }
    public var failedConnections: [ConnectionCheck] { connections.filter { !$0.ok } }
    public var unreadableCount: Int { shares.reduce(0) { $0 + $1.unreadableCount } }
    public var estimatedSeconds: Double? {
        let parts = shares.compactMap(\.estimatedCopySeconds)
        return parts.isEmpty ? nil : parts.reduce(0, +)
    }
    /// Principals that have no mapping, over all shares.
    public var unmapped: [ShareInventory.PrincipalUse] {
        var merged: [String: ShareInventory.PrincipalUse] = [:]
        for s in shares {
            for p in s.principals where p.decision.hasPrefix("unmapped") {
                if var seen = merged[p.sid] { seen.entries += p.entries; merged[p.sid] = seen }
                else { merged[p.sid] = p }
            }
        }
        return merged.values.sorted { $0.sid < $1.sid }
    }
    /// Whether everything was reachable and readable.
    public var isClean: Bool { failedConnections.isEmpty && unreadableCount == 0 }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
