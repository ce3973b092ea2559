import Catalog
import MigrateCore
import MigratePlan

/// Maps a source descriptor to what the target gets, following the plan's ACL policy, and counts
/// every decision for the pass summary.
public struct SecurityTranslator: Sendable {
    public typealias Counts = ACLCounts

    public struct Unmappable: Error, CustomStringConvertible {
        public var sid: SID
        public var description: String { "principal \(sid) has no mapping and the plan says unmapped: fail" }
    }

    let policy: ACLPolicy

    public init(policy: ACLPolicy) { self.policy = policy }

    /// What the target gets where the source has no descriptors.
    public var unreadable: ACLPolicy.Unreadable { policy.unreadable }

    /// The source's descriptor as the pass takes it: without a `deny-write` freeze's own ACE
    /// while the source is frozen that way.
    public func sourceView(_ sd: SecurityDescriptor) -> SecurityDescriptor {
        policy.ignoresFreezeACE ? sd.removingFreezeACE : sd
    }

    public func translate(_ source: SecurityDescriptor, counts: inout Counts) throws(Unmappable) -> SecurityDescriptor {
        let sd = sourceView(source)
        var failure: SID?
        var local = counts
        let mapped = sd.mappingSIDs { sid in
            switch policy.resolve(sid) {
            case .same: local.unchanged += 1; return sid
            case .mapped(let to): local.mapped += 1; return to
            case .unmapped(.keep): local.unmappedKept += 1; return sid
            case .unmapped(.drop): local.unmappedDropped += 1; return nil
            case .unmapped(.fallback(let f)): local.unmappedFallback += 1; return f
            case .unmapped(.fail): failure = failure ?? sid; return sid
            }
        }
        if let failure { throw Unmappable(sid: failure) }
        counts = local
        return mapped
    }
}
