import Foundation


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
