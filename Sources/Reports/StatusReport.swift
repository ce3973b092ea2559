import Catalog
import Foundation
import MigratePlan

/// `migrate status --report DIR`: each share's passes for a manager (Markdown and HTML), with
/// each pass against its forecast and a chart of the passes' throughput.
public enum StatusReport {
    public struct Share: Sendable {
        public var name: String
        public var source: String
        public var target: String
        public var passes: [PassRecord]
        /// The cutover's state and last step, when it has begun.
        public var cutover: [String]
        /// The last pass's failed entries by cause ("access denied", 2), most first.
        public var failedByCause: [(cause: String, count: Int)]
        public init(name: String, source: String, target: String, passes: [PassRecord], cutover: [String],
                    failedByCause: [(cause: String, count: Int)] = []) {
            self.name = name; self.source = source; self.target = target; self.passes = passes; self.cutover = cutover
            self.failedByCause = failedByCause
        }
    }

    /// Writes `status.md` and `status.html`; returns the Markdown path.
    public static func write(_ shares: [Share], plan: Plan, generated: Date, to dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let md = markdown(shares, plan: plan, generated: generated)
        try Data(md.utf8).write(to: URL(fileURLWithPath: dir + "/status.md"), options: .atomic)
        let charts = shares.filter { $0.passes.contains { $0.seconds != nil } }.map { s in
            (heading: s.name, svg: SVGChart.bars("\(s.name): files and folders a second, pass by pass", s.passes.reversed().compactMap { p in
                guard let took = p.seconds, took > 0 else { return nil }
                let entries = Double(p.counts.copied + p.counts.copiedFolders + p.counts.updated + p.counts.metadata + p.counts.skipped)
                return .init(label: "#\(p.id) \(p.kind.rawValue)", value: entries / took,
                             text: String(format: "%.0f/s, %@/s", entries / took, Human.bytes(UInt64(Double(p.counts.bytes) / took))))
            }))
        }
        try Data(HTMLReport.render(markdown: md, title: "Status: \(plan.name)", charts: charts).utf8)
            .write(to: URL(fileURLWithPath: dir + "/status.html"), options: .atomic)
        return dir + "/status.md"
    }

    public static func markdown(_ shares: [Share], plan: Plan, generated: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        var md = "# Status: \(plan.name)\n\nPlan `\(plan.file)`, \(f.string(from: generated)).\n\n"
        md += "| Share | Source | Target | Last pass | Result | Files copied | Folders copied | Failed |\n|---|---|---|---|---|---:|---:|---:|\n"
        for s in shares {
            guard let last = s.passes.first else { md += "| \(s.name) | `\(s.source)` | `\(s.target)` | none yet | | | | |\n"; continue }
            let result = last.status == .completed ? "completed" : "⚠ \(last.status.rawValue)"
            md += "| \(s.name) | `\(s.source)` | `\(s.target)` | #\(last.id) \(last.kind.rawValue) | \(result) | \(last.counts.copied) | \(last.counts.copiedFolders) | \(last.counts.failed) |\n"
        }
        for s in shares {
            md += "\n## \(s.name)\n\n"
            for line in s.cutover { md += "- \(line.trimmingCharacters(in: .whitespaces))\n" }
            if !s.cutover.isEmpty { md += "\n" }
            guard !s.passes.isEmpty else { md += "No pass yet.\n"; continue }
            if !s.failedByCause.isEmpty {
                md += "⚠ Failed entries of the last pass, by cause: " + s.failedByCause.map { "\($0.count) \($0.cause)" }.joined(separator: ", ") + "\n\n"
            }
            md += "| Pass | Kind | Result | Started | Took | Forecast | Against it | Copied | Updated | Deleted | Failed | Data |\n"
            md += "|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|\n"
            for p in s.passes {
                let took = p.seconds.map(Human.duration) ?? "-"
                let forecast = p.forecast.map { "\(Human.duration($0.seconds)) (\($0.basis))" } ?? "-"
                let against = p.forecast.flatMap { fc in p.seconds.map { fc.seconds > 0 ? String(format: "%+.0f %%", ($0 - fc.seconds) / fc.seconds * 100) : "-" } } ?? "-"
                let result = p.status == .completed ? "completed" : "⚠ \(p.status.rawValue)"
                md += "| #\(p.id) | \(p.kind.rawValue) | \(result) | \(f.string(from: Date(timeIntervalSince1970: p.started))) | \(took) | \(forecast) | \(against) | "
                    + "\(p.counts.copied + p.counts.copiedFolders) | \(p.counts.updated) | \(p.counts.deleted) | \(p.counts.failed) | \(Human.bytes(p.counts.bytes)) |\n"
            }
        }
        return md
    }
}
