import Cutover
import MigrateCore
import SMBKit

/// The files open in one folder of a share (srvsvc NetFileEnum, by the share's path on the
/// server), and closing the sessions of the users who hold them, except the kept accounts.
public struct FolderOpenHandles: OpenHandles {
    let admin: SMBServerAdmin
    let share: String
    /// The folder inside the share, "/"-separated ("" for the whole share).
    let folder: String
    let keep: Set<String>

    public init(admin: SMBServerAdmin, share: String, folder: String, keepSessionsOf: Set<String>) {
        self.admin = admin; self.share = share; self.folder = folder
        keep = Set(keepSessionsOf.map(SMBServerAdmin.bareUser))
    }

    /// Open files below the folder, their paths relative to it.
    func open() throws -> [(file: SMBServerAdmin.OpenFile, path: String)] {
        let root = try admin.shareInfo(share).path.lowercased()
        var prefix = root.hasSuffix("\\") ? root : root + "\\"
        if !folder.isEmpty { prefix += folder.lowercased().replacingOccurrences(of: "/", with: "\\") + "\\" }
        return try admin.openFiles().filter { root.isEmpty || $0.path.lowercased().hasPrefix(prefix) }
            .map { ($0, root.isEmpty ? $0.path : String($0.path.dropFirst(prefix.count))) }
    }

    public func report(say: (String) -> Void) throws {
        let files = try open()
        if files.isEmpty { say("no files open in \\\\\(admin.host)\\\(share)\(folder.isEmpty ? "" : "\\" + folder)") }
        for (f, path) in files {
            say("open before the freeze: \(f.user) has \(path) open \(f.writing ? "for writing" : "for reading")\(f.locks > 0 ? ", \(f.locks) locks" : "")")
        }
    }

    public func closeSessions(say: (String) -> Void) throws {
        let holders = Set(try open().map { SMBServerAdmin.bareUser($0.file.user) }).subtracting(keep)
        var closed = 0
        for s in try admin.userSessions(except: keep) where holders.contains(SMBServerAdmin.bareUser(s.user)) {
            try admin.closeSessions(user: s.user, client: s.client)
            say("closed the session of \(s.user) from \(s.client) (files open in the frozen folder)")
            closed += 1
        }
        if closed == 0 { say("no user holds a file open in the frozen folder") }
    }
}
