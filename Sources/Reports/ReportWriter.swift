import Foundation
import Inventory

/// Writes the dry-run report as Markdown, JSON and HTML, each replaced atomically.
public enum ReportWriter {
    public static func write(_ report: PlanReport, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let md = MarkdownReport.render(report)
        try Data(md.utf8).write(to: URL(fileURLWithPath: dir + "/plan-report.md"), options: .atomic)
        try report.json().write(to: URL(fileURLWithPath: dir + "/plan-report.json"), options: .atomic)
        try Data(HTMLReport.render(markdown: md, title: "Dry run: \(report.migration)").utf8)
            .write(to: URL(fileURLWithPath: dir + "/plan-report.html"), options: .atomic)
    }
}
