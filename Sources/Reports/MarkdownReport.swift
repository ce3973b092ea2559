import Foundation
import Inventory
import MigrateCore

/// The Markdown form of the dry-run report: the page a team reads on Friday.
public enum MarkdownReport {
    public static func render(_ r: PlanReport) -> String {
        var md = "# Dry run: \(r.migration)\n\n"
        md += "Plan `\(r.planFile)`, inventoried \(r.generatedAt). ACLs: **\(r.aclMode)**, unmapped principals: **\(r.unmappedPolicy)**.\n\n"
        md += "## Summary\n\n"
        md += "| | |\n|---|---|\n"
        md += "| Shares | \(r.shares.count) |\n| Files | \(r.totalFiles) |\n| Folders | \(r.totalFolders) |\n"
        md += "| Data | \(Human.bytes(r.totalBytes)) |\n"
        md += "| Estimated copy time | " + (r.estimatedSeconds.map { Human.duration($0) + " (the first pass, from what was measured now: see each share)" } ?? "unknown (nothing could be measured)") + " |\n"
        md += "| Connection problems | \(r.failedConnections.count) |\n| Could not be read | \(r.unreadableCount) |\n"
        md += "| Unmapped principals | \(r.unmapped.count) |\n\n"
        if !r.cutoverWindows.isEmpty {
            md += "Cutover windows: " + r.cutoverWindows.joined(separator: "; ") + "\n\n"
        }
        if !r.failedConnections.isEmpty {
            md += "## ⚠ Connection problems\n\n"
            for c in r.failedConnections { md += "- \(c.role) `\(c.location)` as `\(c.account)`: \(c.error ?? "failed")\n" }
            md += "\n"
        }
        let reached = r.connections.filter { $0.ok && ($0.transport != nil || $0.note != nil) }
        if !reached.isEmpty {
            md += "## Connections\n\n| Role | Share | Location | Account | Transport and protection |\n|---|---|---|---|---|\n"
            for c in reached { md += "| \(c.role) | \(c.share) | `\(c.location)` | `\(c.account)` | \(c.transport ?? "")\(c.note.map { "; " + $0 } ?? "") |\n" }
            md += "\n"
        }
        if !r.unmapped.isEmpty {
            md += "## ⚠ Principals that will not map\n\n"
            md += "| SID | Name | Entries | What happens |\n|---|---|---:|---|\n"
            for p in r.unmapped {
                md += "| `\(p.sid)` | \(p.name ?? "(unknown)") | \(p.entries) | \(p.decision)\(p.target.map { " → `\($0)`" } ?? "") |\n"
            }
            md += "\n"
        }
        md += "## Shares\n\n"
        md += "| Share | Source | Target | Files | Folders | Data | Excluded | Unreadable | Name issues | Estimate |\n"
        md += "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n"
        for s in r.shares {
            md += "| \(s.name) | `\(s.source)` | `\(s.target)` | \(s.files) | \(s.folders) | \(Human.bytes(s.bytes)) | \(s.excluded) | \(s.unreadableCount) | \(s.nameIssueCount) | \(s.estimatedCopySeconds.map(Human.duration) ?? "-") |\n"
        }
        md += "\n"
        for s in r.shares { md += share(s) }
        return md
    }

    static func share(_ s: ShareInventory) -> String {
        var md = "## \(s.name)\n\n`\(s.source)` → `\(s.target)`\n\n"
        if let e = s.connectError { return md + "**Not inventoried:** \(e)\n\n" }
        md += "\(s.files) files, \(s.folders) folders, \(Human.bytes(s.bytes)); \(s.hidden) hidden, \(s.readOnly) read-only, \(s.system) system; "
        md += "\(s.explicitACLs) entries with explicit ACEs, \(s.protectedCount) with inheritance disabled, \(s.withSACL) with an audit SACL. "
        md += "Walked in \(Human.duration(s.seconds)).\n"
        for lack in s.sourceLacks { md += "**⚠ \(lack.prefix(1).uppercased() + lack.dropFirst()).**\n" }
        if s.saclsReadable == false {
            md += "**Audit SACLs could not be read** (the account lacks SeSecurityPrivilege, \"Manage auditing and security log\"): they will not be copied unless that is granted.\n"
        }
        if let e = s.estimatedCopySeconds, let basis = s.estimateBasis {
            md += "First pass estimated at \(Human.duration(e)): \(basis).\n"
        }
        if let bps = s.readBytesPerSecond {
            md += "Read rate measured: \(Human.rate(bps))" + (s.readFilesPerSecond.map { String(format: ", %.0f small files/s", $0) } ?? "") + ".\n"
        }
        md += "\n"
        if !s.largest.isEmpty {
            md += "### Largest files\n\n| Size | Path |\n|---:|---|\n"
            for f in s.largest { md += "| \(Human.bytes(f.size)) | `\(f.path)` |\n" }
            md += "\n"
        }
        if !s.ageHistogram.isEmpty {
            md += "### Age (last write)\n\n| Age | Files |\n|---|---:|\n"
            for b in ShareInventory.ageBuckets { md += "| \(b) | \(s.ageHistogram[b] ?? 0) |\n" }
            md += "\n"
        }
        if !s.principals.isEmpty {
            md += "### Principals in owners and ACLs\n\n| Principal | Entries | Decision | Becomes |\n|---|---:|---|---|\n"
            for p in s.principals {
                let who = p.name.map { "\($0) `\(p.sid)`" } ?? "`\(p.sid)`"
                let to = p.target.map { t in p.targetName.map { "\($0) `\(t)`" } ?? "`\(t)`" } ?? "-"
                md += "| \(who) | \(p.entries) | \(p.decision.hasPrefix("unmapped") ? "**\(p.decision)**" : p.decision) | \(to) |\n"
            }
            md += "\n"
        }
        if s.protectedCount > 0 {
            md += "### Inheritance disabled (\(s.protectedCount))\n\nThese keep their own ACL on the target; check them after cutover.\n\n"
            for p in s.protectedEntries { md += "- `\(p)`\n" }
            md += "\n"
        }
        if s.nameIssueCount > 0 {
            md += "### Names that will be trouble on the target (\(s.nameIssueCount))\n\n"
            // Names the server sent: control characters escaped, never written raw into the report.
            for n in s.nameIssues { md += "- `\(EntryName.shown(n.path[...], limit: 300))`: \(n.problem)\n" }
            if s.nameIssueCount > s.nameIssues.count { md += "- … and \(s.nameIssueCount - s.nameIssues.count) more\n" }
            md += "\n"
        }
        if s.unreadableCount > 0 {
            md += "### ⚠ Could not be read (\(s.unreadableCount))\n\n"
            for u in s.unreadable { md += "- `\(u.path.isEmpty ? "(share root)" : u.path)`: \(u.operation): \(u.reason)\n" }
            if s.unreadableCount > s.unreadable.count { md += "- … and \(s.unreadableCount - s.unreadable.count) more\n" }
            md += "\n"
        }
        return md
    }
}
