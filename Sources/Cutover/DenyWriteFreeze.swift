import Catalog
import Foundation
import MigrateCore

/// Freezes a folder (inside a share, or a whole share) without touching share permissions, so
/// the rest of the share stays writable: every descriptor of the folder and everything below it
/// is saved in the catalog, then each gets the freeze's deny-write ACE for Everyone first in its
/// DACL (an inheritable deny at the top would not reach existing entries over SMB: the client
/// must write each one). The rollback writes every saved descriptor back as it was.
public struct DenyWriteFreeze: FreezeProvider {
    /// The frozen folder as a tree (the mapping's source), opened when needed.
    let open: () throws -> any Tree
    let catalog: CatalogDatabase
    let shareID: Int64
    let location: String
    /// Who has files open in the folder; nil where the server cannot say (an operator's own freeze).
    public let handles: OpenHandles?
    let closeSessions: Bool

    public init(location: String, catalog: CatalogDatabase, shareID: Int64, handles: OpenHandles?, closeSessions: Bool,
                open: @escaping () throws -> any Tree) {
        self.location = location; self.catalog = catalog; self.shareID = shareID; self.open = open
        self.handles = handles; self.closeSessions = closeSessions
    }

    public static let method = "deny-write"

    public func plannedActions() -> [String] {
        ["save the security descriptor of \(location) and of every entry below it in the catalog",
         "put a deny ACE for Everyone (write data, append, attributes, extended attributes, delete, delete children) first in each one's DACL; reading stays as it is, and the rest of the share is not touched",
         closeSessions ? "close the sessions of users who hold files open in the folder (an open handle keeps its access)" : "leave open sessions alone (close_sessions: false)",
         "rollback: write every saved descriptor back byte for byte"]
    }

    func tree() throws -> any SecurityDescriptorTree {
        guard let tree = try open() as? any SecurityDescriptorTree else {
            throw CutoverError.badInput("\(location): the source has no security descriptors; a deny-write freeze cannot work there (use freeze: method: share-permissions or command)")
        }
        return tree
    }

    public func freeze(_ record: inout CutoverRecord, save: (CutoverRecord) throws -> Void, say: (String) -> Void) throws {
        let tree = try tree()
        try handles?.report(say: say)
        // Saved once: a rerun after a crash must not take frozen descriptors for the originals.
        if record.freezeMethod != Self.method {
            var saved: [(path: String, sd: [UInt8])] = []
            var unreadable: [String] = []
            for path in try paths(tree) {
                do {
                    let sd = try tree.securityDescriptor(path)
                    if sd.hasFreezeACE {
                        throw CutoverError.refused("\(location): \(path.isEmpty ? "the folder" : path) already has a deny ACE exactly like the freeze's own (Everyone, mask 0x\(String(FreezeACE.mask, radix: 16))), which it could not tell apart from its own; nothing was changed (use freeze: method: share-permissions or command)")
                    }
                    saved.append((path, sd.selfRelative))
                } catch let e as TreeError { unreadable.append("\(path): \(e.cause)") }
            }
            guard unreadable.isEmpty else {
                throw CutoverError.failed("\(location): \(unreadable.count) descriptors cannot be read (first: \(unreadable[0])); nothing was changed")
            }
            try catalog.saveFrozenDescriptors(share: shareID, saved)
            record.freezeMethod = Self.method
            try save(record)
            say("saved the descriptors of \(location) and the \(saved.count - 1) entries below it")
        } else {
            say("descriptors already saved by an earlier attempt; not read again")
        }
        Failpoint.hit("freeze-saved")
        let saved = try catalog.frozenDescriptors(share: shareID)
        for (n, d) in saved.enumerated() {
            try tree.setSecurityDescriptor(d.path, try SecurityDescriptor(selfRelative: d.sd).addingFreezeACE)
            if n == saved.count / 2 { Failpoint.hit("freeze-half-applied") }
        }
        say("\(location) is read-only for users (a deny-write ACE on \(saved.count) entries)")
        if closeSessions { try handles?.closeSessions(say: say) }
    }

    public func unfreeze(_ record: CutoverRecord, say: (String) -> Void) throws {
        let saved = try catalog.frozenDescriptors(share: shareID)
        guard record.freezeMethod == Self.method, !saved.isEmpty else { say("no saved descriptors: the folder was never frozen"); return }
        let tree = try tree()
        var gone = 0
        for d in saved {
            do { try tree.setSecurityDescriptor(d.path, try SecurityDescriptor(selfRelative: d.sd)) } catch let e as TreeError where e.kind == .notFound { gone += 1 }
        }
        say("restored the descriptors of \(location) (\(saved.count - gone) entries\(gone > 0 ? "; \(gone) no longer exist" : ""))")
    }

    /// The folder itself, then every entry below it.
    func paths(_ tree: any Tree) throws -> [String] {
        var out = [""]
        try tree.walk(onError: { throw CutoverError.failed("\(location): \($0.path) cannot be listed: \($0.cause); nothing was changed") }) { e in
            out.append(e.path)
            return true
        }
        return out
    }
}
