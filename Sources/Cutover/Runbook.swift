import Catalog
import Foundation
import MigratePlan

/// The checklist a team prints before the weekend (`migrate cutover --dry-run`), as Markdown.
public struct Runbook {
    public struct ShareSection {
        public var mapping: ShareMapping
        public var state: CutoverState?
        public var passes: [PassRecord]
        public var freeze: [String]
        public var namespace: [String]?
        public var link: String?
        public var decommission: [String]
        /// Who has what open on the source now, as the freeze would report it (or why that is unknown).
        public var openNow: [String]
        public init(mapping: ShareMapping, state: CutoverState?, passes: [PassRecord], freeze: [String], namespace: [String]?,
                    link: String?, decommission: [String], openNow: [String]) {
            self.mapping = mapping; self.state = state; self.passes = passes; self.freeze = freeze; self.namespace = namespace
            self.link = link; self.decommission = decommission; self.openNow = openNow
        }
    }

    public static func markdown(plan: Plan, planFile: String, sections: [ShareSection], now: Date) -> String {
        var md = "# Cutover runbook: \(plan.name)\n\n"
        md += "Plan `\(planFile)`, printed \(WindowSchedule.format(now, in: plan.cutover.windows.first?.timeZone ?? .current)).\n\n"
        md += "## Windows\n\n"
        if plan.cutover.windows.isEmpty { md += "The plan has no cutover window: every changing step needs `--force` (logged).\n" }
        for w in plan.cutover.windows {
            let mark = w.contains(now) ? " **(open now)**" : (w.start > now ? " (in \(CutoverRunner.span(w.start.timeIntervalSince(now))))" : " (past)")
            md += "- \(WindowSchedule.describe(w))\(mark)\n"
        }
        md += "\nSteps that change a server (freeze, final sync, switch, decommission) run only inside a window. "
        md += "Every step is recorded in the catalog; rerunning the command after any interruption continues where it stopped.\n"
        for s in sections { md += section(s, plan: plan, planFile: planFile) }
        return md
    }

    static func section(_ s: ShareSection, plan: Plan, planFile: String) -> String {
        let m = s.mapping
        var md = "\n## Share \(m.name): \(m.source) → \(m.target)\n\n"
        md += "State now: **\(s.state?.rawValue ?? "not synced yet: run `migrate sync` first")**\n\n"
        let full = s.passes.first { $0.kind == .full && $0.status == .completed }
        let forecast = PassForecast.finalSync(passes: s.passes)?.seconds
        let verify = full.map { (($0.ended ?? $0.started) - $0.started) * 2 }
        func dur(_ x: Double?) -> String { x.map { CutoverRunner.span($0) } ?? "unknown (no pass measured)" }
        let cmd = "migrate cutover \(planFile) --share \(m.name)"
        md += "| # | Step | Expected duration | Command |\n|---|---|---|---|\n"
        md += "| 1 | Freeze the source | under a minute | `\(cmd)` runs 1-4 |\n"
        md += "| 2 | Final sync (delta, must end with zero failures) | \(dur(forecast)) | |\n"
        md += "| 3 | Verify (every file's checksum, times, attributes, ACL after mapping) | \(dur(verify)) | |\n"
        md += "| 4 | Switch the DFS link | under a minute | |\n"
        md += "| 5 | Decommission (a later day) | \(dur(full.map { ($0.ended ?? $0.started) - $0.started })) | `\(cmd) --decommission --yes` |\n\n"
        md += "### 1. Freeze\n\nOpen on the source when this runbook was printed:\n\n" + s.openNow.map { "- \($0)\n" }.joined() + "\n"
        md += "- [ ] Call the people who still have files open; the freeze lists them again and closes their sessions\n"
        md += s.freeze.map { "- [ ] \($0)\n" }.joined()
        md += "\n### 2. Final sync\n\n- [ ] A delta pass of `migrate sync`; any failure stops the cutover here (the share stays frozen; fix, rerun)\n"
        md += "\n### 3. Verify\n\n- [ ] Compare source and target completely; any difference stops the cutover; the report goes to the reports folder\n"
        md += "\n### 4. Switch\n\n"
        if let ns = s.namespace, let link = s.link {
            md += "Link `\(link)`:\n\n" + ns.map { "- [ ] \($0)\n" }.joined()
        } else {
            md += "- [ ] No DFS link in the plan: switch users by login scripts or drive mappings\n"
        }
        md += "- [ ] Users open a file through the namespace path and confirm it is the new server\n"
        md += "\n### 5. Decommission (later)\n\n- [ ] Confirm the source has not changed since the freeze\n"
        md += "- [ ] Write the cold-backup manifest (SHA-256 of every file)\n"
        md += s.decommission.map { "- [ ] \($0)\n" }.joined()
        md += "\n### Rollback (any time before decommission)\n\n- [ ] `\(cmd) --rollback`: switch the DFS link back, restore the source's share permissions exactly\n"
        return md
    }
}
