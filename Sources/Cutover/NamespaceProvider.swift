import Foundation
import SMBKit

public typealias LinkTarget = SMBServerAdmin.LinkTarget

/// Points a DFS link at new targets and back.
public protocol NamespaceProvider {
    func targets(_ link: String) throws -> [LinkTarget]
    /// Adds `new`, then takes every other target out. Safe to run again after a crash.
    func switchLink(_ link: String, to new: LinkTarget, say: (String) -> Void) throws
    /// Puts back exactly `old` and takes `new` out.
    func restoreLink(_ link: String, to old: [LinkTarget], from new: LinkTarget, say: (String) -> Void) throws
    /// What switching and rolling back will do, for the runbook.
    func plannedActions(_ link: String, from old: LinkTarget, to new: LinkTarget) -> [String]
}

/// A Samba (or Windows standalone) namespace through the netdfs RPC pipe (NetrDfsAdd/Remove).
public struct NetDFSNamespace: NamespaceProvider {
    let admin: SMBServerAdmin

    public init(admin: SMBServerAdmin) { self.admin = admin }

    public func targets(_ link: String) throws -> [LinkTarget] { try admin.linkTargets(link) }

    public func switchLink(_ link: String, to new: LinkTarget, say: (String) -> Void) throws {
        var current = try targets(link)
        if !current.contains(where: { $0.matches(new) }) {
            try admin.addLinkTarget(link, new)
            say("\(link): added target \(new)")
            current.append(new)
        }
        Failpoint.hit("switch-added")
        for t in current where !t.matches(new) {
            try admin.removeLinkTarget(link, t)
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
            try admin.addLinkTarget(link, o)
            say("\(link): target \(o) restored")
        }
        for t in current where !old.contains(where: { $0.matches(t) }) {
            try admin.removeLinkTarget(link, t)
            say("\(link): removed target \(t)")
        }
    }

    public func plannedActions(_ link: String, from old: LinkTarget, to new: LinkTarget) -> [String] {
        ["netdfs NetrDfsAdd \(link) -> \(new)   (rpcclient \(admin.host) -c 'dfsadd \(link.replacingOccurrences(of: "\\", with: "/")) \(new.server) \(new.share)')",
         "netdfs NetrDfsRemove \(link) -> \(old)",
         "read the link back: it must name \(new) alone",
         "rollback: add \(old) back, remove \(new)"]
    }
}

/// A Windows DFS namespace through the DFSN PowerShell module, run by `pwsh` (or any command
/// that reads a script on stdin, such as `ssh admin@dc powershell -Command -`). The old target
/// is set offline, not removed, so a rollback only brings it back online.
public struct WindowsDFSNamespace: NamespaceProvider {
    let runner: ShellCommand

    public init(command: String = "pwsh -NoProfile -NonInteractive -Command -") { runner = ShellCommand(command) }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    public func targets(_ link: String) throws -> [LinkTarget] {
        let out = try runner.run(environment: [:], input: "Get-DfsnFolderTarget -Path \(Self.quote(link)) | Where-Object State -eq 'Online' | ForEach-Object { $_.TargetPath }\n",
                                 what: "read DFS link \(link)")
        return out.split(whereSeparator: \.isNewline).compactMap { LinkTarget(unc: $0) }
    }

    public func switchScript(_ link: String, old: [LinkTarget], new: LinkTarget) -> String {
        var s = "$ErrorActionPreference = 'Stop'\n"
        s += "if (-not (Get-DfsnFolderTarget -Path \(Self.quote(link)) | Where-Object TargetPath -eq \(Self.quote(new.description)))) { New-DfsnFolderTarget -Path \(Self.quote(link)) -TargetPath \(Self.quote(new.description)) | Out-Null }\n"
        s += "Set-DfsnFolderTarget -Path \(Self.quote(link)) -TargetPath \(Self.quote(new.description)) -State Online | Out-Null\n"
        for o in old where !o.matches(new) {
            s += "Set-DfsnFolderTarget -Path \(Self.quote(link)) -TargetPath \(Self.quote(o.description)) -State Offline | Out-Null\n"
        }
        return s
    }

    public func restoreScript(_ link: String, old: [LinkTarget], new: LinkTarget) -> String {
        var s = "$ErrorActionPreference = 'Stop'\n"
        for o in old { s += "Set-DfsnFolderTarget -Path \(Self.quote(link)) -TargetPath \(Self.quote(o.description)) -State Online | Out-Null\n" }
        s += "Remove-DfsnFolderTarget -Path \(Self.quote(link)) -TargetPath \(Self.quote(new.description)) -Force\n"
        return s
    }

    public func switchLink(_ link: String, to new: LinkTarget, say: (String) -> Void) throws {
        let old = try targets(link)
        try runner.run(environment: [:], input: switchScript(link, old: old, new: new), what: "switch DFS link \(link)")
        say("\(link): \(new) online, \(old.filter { !$0.matches(new) }.map(\.description).joined(separator: ", ")) offline")
    }

    public func restoreLink(_ link: String, to old: [LinkTarget], from new: LinkTarget, say: (String) -> Void) throws {
        try runner.run(environment: [:], input: restoreScript(link, old: old, new: new), what: "restore DFS link \(link)")
        say("\(link): \(old.map(\.description).joined(separator: ", ")) online again, \(new) removed")
    }

    public func plannedActions(_ link: String, from old: LinkTarget, to new: LinkTarget) -> [String] {
        ["PowerShell (via `\(runner.command)`):\n\n```powershell\n" + switchScript(link, old: [old], new: new) + "```",
         "after decommission: `Remove-DfsnFolderTarget -Path \(Self.quote(link)) -TargetPath \(Self.quote(old.description)) -Force`",
         "rollback:\n\n```powershell\n" + restoreScript(link, old: [old], new: new) + "```"]
    }
}
