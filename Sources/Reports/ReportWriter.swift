import Foundation
import Inventory

/// Writes the dry-run report as Markdown, JSON and HTML, each replaced atomically.
public enum ReportWriter {
    public static func write(_ report: PlanReport, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let md = MarkdownReport.render(report)
        try Data(md.utf8).write(to: URL(fileURLWithPath: dir + "/plan-report.md"), options: .atomic)
        try report.json().write(to: URL(fileURLWithPath: dir + "/plan-report.json"), options: .atomic)
        try Data(HTMLReport.render(markdown: md, title: "Dry run: \(report.migration)", charts: charts(report)).utf8)
            .write(to: URL(fileURLWithPath: dir + "/plan-report.html"), options: .atomic)
    }

    /// Bytes and files per share under "Shares"; each share's age histogram under its "Age" heading.
    static func charts(_ r: PlanReport) -> [(heading: String, svg: String)] {
        let inventoried = r.shares.filter(\.connected)
        var out: [(heading: String, svg: String)] = [
            ("Shares", SVGChart.bars("Data per share", inventoried.map { .init(label: $0.name, value: Double($0.bytes), text: Human.bytes($0.bytes)) })
                + SVGChart.bars("Files per share", inventoried.map { .init(label: $0.name, value: Double($0.files), text: "\($0.files) files") })),
        ]
        for s in r.shares where !s.ageHistogram.isEmpty {
            out.append(("Age (last write)", SVGChart.bars("\(s.name): files by age of last write",
                                                          ShareInventory.ageBuckets.map { .init(label: $0, value: Double(s.ageHistogram[$0] ?? 0), text: "\(s.ageHistogram[$0] ?? 0)") })))
        }
        return out
    }
}
