import Catalog
import Cutover
import MigrateCore
import SMBKit

/// Share-level permissions through srvsvc (NetShareSetInfo 1501): every allow entry of the share's
/// own ACL keeps only read rights, which stops new writers; then the users' open sessions are
/// closed (an open session keeps the write access it connected with). The original descriptor
/// is saved in the catalog first and restored byte for byte on rollback.
public struct SharePermissionsFreeze: FreezeProvider {
    let admin: SMBServerAdmin
    let share: String
    /// Accounts whose sessions stay open (the migration and administration accounts), lower case.
    let keepSessionsOf: Set<String>
    let closeSessions: Bool
    /// The source is a folder of the share: these other mappings read it too.
    let shared: SharedShareFreeze?

    public init(admin: SMBServerAdmin, share: String, keepSessionsOf: Set<String>, closeSessions: Bool, shared: SharedShareFreeze? = nil) {
        self.admin = admin; self.share = share; self.closeSessions = closeSessions; self.shared = shared
        self.keepSessionsOf = Set(keepSessionsOf.map(SMBServerAdmin.bareUser))
    }

    public func plannedActions() -> [String] {
        var out = ["save the share permissions of \\\\\(admin.host)\\\(share) (srvsvc NetShareGetInfo) in the catalog",
                   "set them read-only: every allow entry keeps only read rights (srvsvc NetShareSetInfo level 1501)"]
        if let shared {
            out.append("this freezes all of \\\\\(admin.host)\\\(share), not only the mapped folder"
                       + (shared.peers.isEmpty ? "" : ": the plan's shares \(shared.peers.joined(separator: ", ")) read it too and are frozen with it"))
        }
        if closeSessions { out.append("close the users' sessions on \\\\\(admin.host) (srvsvc NetSessDel), except \(keepSessionsOf.sorted().joined(separator: ", "))") }
        out.append("rollback: restore the saved permissions byte for byte")
        return out
    }

    public func freeze(_ record: inout CutoverRecord, save: (CutoverRecord) throws -> Void, say: (String) -> Void) throws {
        let info = try admin.shareInfo(share)
        try reportOpenFiles(in: info, say: say)
        if record.shareSD == nil, let peerSaved = try shared?.savedOriginal() {
            record.shareSD = peerSaved
            try save(record)
            say("\\\\\(admin.host)\\\(share) is already frozen for another share of the plan; its saved permissions are kept")
        } else if record.shareSD == nil {
            record.shareSD = try admin.security(info)
            try save(record)
            say("saved the share permissions of \\\\\(admin.host)\\\(share) (\(record.shareSD!.count) bytes)")
        } else {
            say("share permissions already saved by an earlier attempt; not read again")
        }
        Failpoint.hit("freeze-saved")
        let frozen = try Self.readOnly(record.shareSD!)
        record.frozenSD = frozen
        try save(record)
        if info.descriptor != frozen {
            try admin.setShareSecurity(share, frozen)
            say("share \\\\\(admin.host)\\\(share) is read-only for new connections")
        } else {
            say("share \\\\\(admin.host)\\\(share) was already read-only")
        }
        Failpoint.hit("freeze-applied")
        if closeSessions { try closeUserSessions(admin, except: keepSessionsOf, say: say) }
    }

    public func unfreeze(_ record: CutoverRecord, say: (String) -> Void) throws {
        guard let original = record.shareSD else { say("no saved share permissions: the share was never frozen"); return }
        if let others = try shared?.stillFrozen(), !others.isEmpty {
            say("\\\\\(admin.host)\\\(share) stays read-only: \(others.joined(separator: ", ")) of the same share \(others.count == 1 ? "is" : "are") still frozen (its last rollback restores the permissions)")
            return
        }
        try admin.setShareSecurity(share, original)
        say("share permissions of \\\\\(admin.host)\\\(share) restored")
    }

    /// Who still has what open in the share, so the team can call them before it turns read-only.
    public func reportOpenFiles(say: (String) -> Void) throws { try reportOpenFiles(in: try admin.shareInfo(share), say: say) }

    func reportOpenFiles(in info: SMBServerAdmin.ShareInfo, say: (String) -> Void) throws {
        let root = info.path.lowercased()
        let prefix = root.hasSuffix("\\") ? root : root + "\\"
        let open = try admin.openFiles().filter { root.isEmpty || $0.path.lowercased().hasPrefix(prefix) }
        if open.isEmpty { say("no files open in \\\\\(admin.host)\\\(share)") }
        for f in open {
            let rel = root.isEmpty ? f.path : String(f.path.dropFirst(prefix.count))
            say("open before the freeze: \(f.user) has \(rel) open \(f.writing ? "for writing" : "for reading")\(f.locks > 0 ? ", \(f.locks) locks" : "")")
        }
        let users = try admin.userSessions(except: keepSessionsOf)
        if !users.isEmpty {
            say("sessions on \\\\\(admin.host): " + users.map { "\($0.user) from \($0.client) (\($0.openFiles) open, idle \($0.idleSeconds) s)" }.joined(separator: "; "))
        }
    }


    static let read: UInt32 = 0x0012_00a9
    static let genericRead: UInt32 = 0x8000_0000 | 0x2000_0000 | 0x1000_0000

    /// The share's own descriptor with every allow entry cut down to read rights.
    static func readOnly(_ bytes: [UInt8]) throws -> [UInt8] {
        var sd = try SecurityDescriptor(selfRelative: bytes)
        guard let dacl = sd.dacl else {
            sd.dacl = [ACE(type: .accessAllowed, flags: [], mask: read, sid: SID("S-1-1-0")!)]
            sd.control.insert(.daclPresent)
            return sd.selfRelative
        }
        sd.dacl = dacl.compactMap { ace in
            guard ace.type == .accessAllowed else { return ace }
            var a = ace
            a.mask = ace.mask & genericRead != 0 ? read : ace.mask & read
            return a.mask == 0 ? nil : a
        }
        return sd.selfRelative
    }
}

/// Closes the users' sessions on the old server (freeze and decommission alike) and says whose.
func closeUserSessions(_ admin: SMBServerAdmin, except accounts: Set<String>, say: (String) -> Void) throws {
    let closed = try admin.closeUserSessions(except: accounts)
    for s in closed { say("closed the session of \(s.user) from \(s.client) (\(s.openFiles) open files)") }
    if closed.isEmpty { say("no user sessions were open") }
}
