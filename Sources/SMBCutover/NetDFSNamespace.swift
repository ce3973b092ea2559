import Cutover
import SMBKit

/// A Samba (or Windows standalone) namespace through the netdfs RPC pipe (NetrDfsAdd/Remove).
public struct NetDFSNamespace: NamespaceProvider {
    let admin: SMBServerAdmin

    public init(admin: SMBServerAdmin) { self.admin = admin }

    public func targets(_ link: String) throws -> [LinkTarget] {
        // A folder target comes back split at its last backslash (server `srv\Share`, share `Folder`).
        try admin.linkTargets(link).compactMap { LinkTarget(unc: "\\\\\($0.server)\\\($0.share)") }
    }

    public func switchLink(_ link: String, to new: LinkTarget, say: (String) -> Void) throws {
        var current = try targets(link)
        if !current.contains(where: { $0.matches(new) }) {
            try admin.addLinkTarget(link, .init(server: new.server, share: new.sharePath))
            say("\(link): added target \(new)")
            current.append(new)
        }
        Failpoint.hit("switch-added")
        for t in current where !t.matches(new) {
            try admin.removeLinkTarget(link, .init(server: t.server, share: t.sharePath))
            say("\(link): removed target \(t)")
        }
        let now = try targets(link)
        guard now.count == 1, now[0].matches(new) else {
            throw CutoverError.failed("\(link): after the switch the link points to \(now.map(\.description).joined(separator: ", ")), not \(new)")
        }
    }

    public func restoreLink(_ link: String, to old: [LinkTarget], from new: LinkTarget, say: (String) -> Void) throws {
        let current = try targets(link)
        for o in old where !current.contains(where: { $0.matches(o) }) {
            try admin.addLinkTarget(link, .init(server: o.server, share: o.sharePath))
            say("\(link): target \(o) restored")
        }
        for t in current where !old.contains(where: { $0.matches(t) }) {
            try admin.removeLinkTarget(link, .init(server: t.server, share: t.sharePath))
            say("\(link): removed target \(t)")
        }
    }

    public func plannedActions(_ link: String, from old: LinkTarget, to new: LinkTarget) -> [String] {
        ["netdfs NetrDfsAdd \(link) -> \(new)   (rpcclient \(admin.host) -c 'dfsadd \(link.replacingOccurrences(of: "\\", with: "/")) \(new.server) \(new.sharePath)')",
         "netdfs NetrDfsRemove \(link) -> \(old)",
         "read the link back: it must name \(new) alone",
         "rollback: add \(old) back, remove \(new)"]
    }
}
