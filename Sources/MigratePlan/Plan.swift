import Foundation
import MigrateCore

/// A validated migration plan: what moves where, how ACLs translate, when cutover may run.
public struct Plan: Sendable {
    public var name: String
    /// The plan file, for messages.
    public var file: String
    /// The SQLite catalog (state of every pass and of the cutover).
    public var catalogPath: String
    public var servers: [Server]
    public var shares: [ShareMapping]
    public var acl: ACLPolicy
    public var cutover: CutoverPlan
    public var dfs: DFSNamespace?

    public func server(named name: String) -> Server? { servers.first { $0.name == name } }
}

/// A file server and how to log on to it.
public struct Server: Sendable, Hashable {
    public enum Secret: Sendable, Hashable {
        case environment(String)
        case file(String)
        case kerberos
    }
    public enum Encryption: String, Sendable, Hashable, CaseIterable { case auto, off, desired, required }

    public var name: String
    public var host: String
    public var domain: String
    public var user: String
    public var secret: Secret
    public var encryption: Encryption
    public var requireSigning: Bool
    /// The server administrator for share permissions, sessions and DFS links (cutover), when the
    /// migration account is not one.
    public var admin: Account?

    public init(name: String, host: String, domain: String, user: String, secret: Secret, encryption: Encryption,
                requireSigning: Bool, admin: Account? = nil) {
        self.name = name; self.host = host; self.domain = domain; self.user = user; self.secret = secret
        self.encryption = encryption; self.requireSigning = requireSigning; self.admin = admin
    }

    /// `DOMAIN\user` or `user`.
    public var account: String { domain.isEmpty ? user : "\(domain)\\\(user)" }
    public var migrationAccount: Account { Account(domain: domain, user: user, secret: secret) }
    /// Who administers the server: the `admin` account, else the migration account.
    public var administrator: Account { admin ?? migrationAccount }
}

/// An account and where its password comes from.
public struct Account: Sendable, Hashable, CustomStringConvertible {
    public var domain: String
    public var user: String
    public var secret: Server.Secret
    public init(domain: String, user: String, secret: Server.Secret) { self.domain = domain; self.user = user; self.secret = secret }
    public var description: String { domain.isEmpty ? user : "\(domain)\\\(user)" }
}

/// `\\server\share\optional\sub\path`, resolved to a server of the plan.
public struct ShareLocation: Sendable, Hashable, CustomStringConvertible {
    public var server: String
    public var host: String
    public var share: String
    /// A folder inside the share, "" for the root.
    public var subpath: String
    public var description: String { "\\\\\(host)\\\(share)" + (subpath.isEmpty ? "" : "\\" + subpath.replacingOccurrences(of: "/", with: "\\")) }

    public init(server: String, host: String, share: String, subpath: String = "") {
        self.server = server; self.host = host; self.share = share; self.subpath = subpath
    }
}

/// Where a share goes: a share (or a folder inside one) on a server, or a local folder. The one
/// place that says which; everything else asks it.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    case share(ShareLocation)
    case localFolder(String)

    /// The share, nil for a local folder.
    public var share: ShareLocation? { if case .share(let s) = self { s } else { nil } }
    /// `\\host\share[\folder]`, or the local folder's path.
    public var description: String {
        switch self {
        case .share(let s): s.description
        case .localFolder(let path): path
        }
    }
}

/// One share to migrate.
public struct ShareMapping: Sendable {
    public var name: String
    public var source: ShareLocation
    public var target: Endpoint
    public var filter: PathFilter
    /// The DFS link (relative to the namespace root) that users reach this share by.
    public var dfsLink: String?
    /// Compare modify times at 2 s granularity (robocopy /FFT), for FAT-like or coarse sources.
    public var fatTimes: Bool
    /// Delete target entries that are gone from the source.
    public var mirror: Bool

    /// The target as messages and the catalog name it: `\\host\share`, or the local folder.
    public var targetDescription: String { target.description }

    public init(name: String, source: ShareLocation, target: Endpoint,
                filter: PathFilter = PathFilter(), dfsLink: String? = nil, fatTimes: Bool = false, mirror: Bool = true) {
        self.name = name; self.source = source; self.target = target
        self.filter = filter; self.dfsLink = dfsLink; self.fatTimes = fatTimes; self.mirror = mirror
    }
}

/// How security descriptors travel.
public struct ACLPolicy: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case copy, translate }
    public enum Unmapped: Sendable, Hashable {
        case keep, drop, fail
        case fallback(SID)
    }
    public var mode: Mode
    public var map: [SID: SID]
    public var unmapped: Unmapped
    /// Known names of principals (from the plan or a CSV export of the directory), for reports.
    public var names: [SID: String]
    /// What the target gets where the source has no security descriptors at all (a FAT volume, a
    /// NAS with NT ACLs off, a server that does not implement the query): `inherit`, no
    /// descriptor of its own (the target's inherited ACEs apply), or `fail` the entry.
    public enum Unreadable: String, Sendable, CaseIterable { case inherit, fail }
    public var unreadable: Unreadable = .inherit
    /// The source is frozen by `deny-write`: its descriptors are read without the freeze's ACE
    /// (set by the use cases from the share's cutover record, never by the plan).
    public var ignoresFreezeACE = false

    public init(mode: Mode = .copy, map: [SID: SID] = [:], unmapped: Unmapped = .keep, names: [SID: String] = [:]) {
        self.mode = mode; self.map = map; self.unmapped = unmapped; self.names = names
    }

    /// What a SID becomes on the target. `.unmapped` only for domain SIDs that have no entry.
    public func resolve(_ sid: SID) -> Resolution {
        guard mode == .translate else { return .same }
        if let to = map[sid] { return .mapped(to) }
        if sid.isWellKnown { return .same }
        switch unmapped {
        case .keep: return .unmapped(.keep)
        case .drop: return .unmapped(.drop)
        case .fail: return .unmapped(.fail)
        case .fallback(let f): return .unmapped(.fallback(f))
        }
    }

    public enum Resolution: Sendable, Hashable {
        case same
        case mapped(SID)
        case unmapped(Unmapped)
    }

    public func displayName(_ sid: SID) -> String {
        if let n = names[sid] { return "\(n) (\(sid))" }
        if let w = WellKnownNames.names[sid.description] { return "\(w) (\(sid))" }
        return sid.description
    }
}

/// Names of SIDs that mean the same everywhere.
public enum WellKnownNames {
    public static let names: [String: String] = [
        "S-1-1-0": "Everyone", "S-1-3-0": "CREATOR OWNER", "S-1-3-1": "CREATOR GROUP",
        "S-1-5-11": "NT AUTHORITY\\Authenticated Users", "S-1-5-18": "NT AUTHORITY\\SYSTEM",
        "S-1-5-32-544": "BUILTIN\\Administrators", "S-1-5-32-545": "BUILTIN\\Users",
        "S-1-5-32-551": "BUILTIN\\Backup Operators",
    ]
}

/// When and how cutover steps may run.
public struct CutoverPlan: Sendable {
    public enum FreezeMethod: String, Sendable, CaseIterable { case sharePermissions = "share-permissions", denyWrite = "deny-write", command }
    public enum DecommissionMethod: String, Sendable, CaseIterable { case disableShare = "disable-share", command }
    public var windows: [CutoverWindow]
    public var freeze: FreezeMethod
    public var closeSessions: Bool
    public var freezeCommand: String?
    public var decommission: DecommissionMethod
    public var decommissionCommand: String?
}

/// A period in which changing steps may run, in the plan's time zone.
public struct CutoverWindow: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var timeZone: TimeZone
    public init(start: Date, end: Date, timeZone: TimeZone) { self.start = start; self.end = end; self.timeZone = timeZone }
    public func contains(_ date: Date) -> Bool { date >= start && date < end }
}

/// The DFS namespace users reach the shares through.
public struct DFSNamespace: Sendable {
    public enum Provider: String, Sendable, CaseIterable { case samba, windows }
    /// `\\host\root`
    public var root: ShareLocation
    public var provider: Provider
    /// Windows provider: the command that runs a PowerShell script read on stdin (default `pwsh`).
    public var powershell: String?

    /// `\\host\root\link`, as DFS tools name a link.
    public func linkPath(_ link: String) -> String {
        "\\\\\(root.host)\\\(root.share)\\" + link.replacingOccurrences(of: "/", with: "\\")
    }
}
