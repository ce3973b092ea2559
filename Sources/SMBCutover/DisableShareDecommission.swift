import Catalog
import Cutover
import MigrateCore
import SMBKit

/// Share permissions that let nobody in (an empty DACL, srvsvc NetShareSetInfo 1501), then the
/// remaining sessions closed: the share stays defined, its data untouched, for the cold backup.
public struct DisableShareDecommission: DecommissionProvider {
    let admin: SMBServerAdmin
    let share: String
    let keepSessionsOf: Set<String>

    public init(admin: SMBServerAdmin, share: String, keepSessionsOf: Set<String>) {
        self.admin = admin; self.share = share; self.keepSessionsOf = keepSessionsOf
    }

    public func plannedActions() -> [String] {
        ["set the share permissions of \\\\\(admin.host)\\\(share) to an empty ACL (nobody may connect; srvsvc NetShareSetInfo 1501)",
         "close the remaining user sessions",
         "the original permissions stay in the catalog (`migrate status` shows the share's record)"]
    }

    public func takeOffline(_ record: CutoverRecord, say: (String) -> Void) throws {
        var sd = try SecurityDescriptor(selfRelative: try admin.shareSecurity(share))
        sd.dacl = []
        sd.control.insert(.daclPresent)
        try admin.setShareSecurity(share, sd.selfRelative)
        say("share \\\\\(admin.host)\\\(share) is offline (no one may connect)")
        try closeUserSessions(admin, except: keepSessionsOf, say: say)
    }
}
