import Catalog
import Foundation
import MigratePlan

/// The dry-run report of `migrate sync --dry-run`: what each share's pass would do.
public enum SyncReport {
    public static func write(_ summaries: [PassSummary], plan: Plan, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try e.encode(summaries).write(to: URL(fileURLWithPath: dir + "/sync-dry-run.json"), options: .atomic)
        let md = markdown(summaries, plan: plan)
        try Data(md.utf8).write(to: URL(fileURLWithPath: dir + "/sync-dry-run.md"), options: .atomic)
        try Data(HTMLReport.render(markdown: md, title: "Sync dry run: \(plan.name)").utf8).write(to: URL(fileURLWithPath: dir + "/sync-dry-run.html"), options: .atomic)
    }

    public static func markdown(_ summaries: [PassSummary], plan: Plan) -> String {
        var md = "# Sync dry run: \(plan.name)\n\nNothing was changed. Each share's next pass would do:\n\n"
        md += "| Share | Pass | Copy files | Create folders | Update | Metadata | Delete (entries) | Unchanged | Bytes to copy |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for s in summaries {
            let c = s.counts
            md += "| \(s.share) | \(s.kind) | \(c.copied) | \(c.copiedFolders) | \(c.updated) | \(c.metadata) | \(c.deleted) | \(c.skipped) | \(Human.bytes(s.plannedBytes)) |\n"
        }
        for s in summaries {
            md += "\n## \(s.share)\n\n"
            if let stopped = s.stopped { md += "**⚠ \(stopped)**\n\n" }
            if s.planned.isEmpty { md += "Nothing to do.\n"; continue }
            for p in s.planned { md += "- \(p.action) `\(p.path)`" + (p.bytes > 0 ? " (\(Human.bytes(p.bytes)))" : "") + "\n" }
            let total = s.plannedActions
            if total > s.planned.count { md += "- … and \(total - s.planned.count) more (see sync-dry-run.json)\n" }
        }
        return md
    }
}
