import Foundation
import MigrateCore

/// The verification report (the cutover's verify step, `migrate verify`): who, when, what
/// against what, the counts, every difference found, what was repaired and what is left.
public enum VerifyReport {
    public struct Header: Sendable, Codable {
        public var migration: String
        public var share: String
        public var source: String
        public var target: String
        public var operatorName: String
        public var date: Date
        /// "cutover verify, source frozen" or "rehearsal, source not frozen".
        public var kind: String
        /// "every file", "a sample of 200 files", "none (sizes and times only)".
        public var contentCompared: String

        public init(migration: String, share: String, source: String, target: String, operatorName: String, date: Date,
                    kind: String, contentCompared: String) {
            self.migration = migration; self.share = share; self.source = source; self.target = target
            self.operatorName = operatorName; self.date = date; self.kind = kind; self.contentCompared = contentCompared
        }
    }

    struct Document: Codable {
        var header: Header
        var found: VerificationResult
        var repair: RepairResult?
        var after: VerificationResult?
        var notRepaired: String?
        var clean: Bool
    }

    /// Writes `<share>-verify-<stamp>.md`, `.html` and `.json` into `dir`; returns the Markdown path.
    public static func write(_ o: VerificationOutcome, header: Header, stamp: String, to dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = "\(dir)/\(header.share)-verify-\(stamp)"
        let md = markdown(o, header: header)
        try md.write(toFile: base + ".md", atomically: true, encoding: .utf8)
        try HTMLReport.render(markdown: md, title: "Verification: \(header.share)").write(toFile: base + ".html", atomically: true, encoding: .utf8)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.dateEncodingStrategy = .iso8601
        let doc = Document(header: header, found: o.found, repair: o.repair, after: o.after, notRepaired: o.notRepaired, clean: o.isClean)
        try enc.encode(doc).write(to: URL(fileURLWithPath: base + ".json"))
        return base + ".md"
    }

    public static func markdown(_ o: VerificationOutcome, header h: Header) -> String {
        let r = o.found
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        var md = "# Verification: \(h.share)\n\n"
        md += "| | |\n|---|---|\n"
        for (k, v) in [("Migration", h.migration), ("Share", h.share), ("Source", h.source), ("Target", h.target),
                       ("Date", f.string(from: h.date)), ("Operator", h.operatorName), ("Kind", h.kind),
                       ("Content compared", h.contentCompared)] {
            md += "| \(k) | \(cell(v)) |\n"
        }
        md += "\n- \(r.files) files (\(Human.bytes(r.bytes))), \(r.folders) folders\n"
        md += "- \(r.contentCompared) files read on both sides and compared by SHA-256\n"
        md += "- \(r.descriptorsCompared) security descriptors compared (owner, group, DACL and its protected flag, after the SID map)\n"
        md += "- took \(Human.duration(r.seconds))\n"
        for lack in r.sourceLacks { md += "- ⚠ \(lack)\n" }
        md += "\n"
        if r.isClean { return md + "**Result: identical.**\n" }
        md += o.isClean ? "**Result: identical after repair** (\(r.differenceCount) differences found and repaired).\n\n"
                        : "**Result: \(o.after?.differenceCount ?? r.differenceCount) differences\(o.repair == nil ? "" : " after the repair").**\n\n"
        if let why = o.notRepaired { md += "Not repaired: \(why).\n\n" }
        md += "## Differences found\n\n" + table(r)
        if let repair = o.repair {
            md += "\n## Repairs\n\n| Path | Repair | Result |\n|---|---|---|\n"
            for x in repair.outcomes { md += "| \(cell(x.path)) | \(cell(x.action)) | \(x.error.map { "**failed**: " + cell($0) } ?? "done") |\n" }
        }
        if let after = o.after {
            md += "\n## After the repair\n\n" + (after.isClean ? "No differences.\n" : table(after))
        }
        return md
    }

    static func table(_ r: VerificationResult) -> String {
        var md = "| Path | What | Source | Target |\n|---|---|---|---|\n"
        for d in r.differences { md += "| \(cell(d.path)) | \(d.what) | \(cell(d.source)) | \(cell(d.target)) |\n" }
        if r.differenceCount > r.differences.count { md += "\n… and \(r.differenceCount - r.differences.count) more.\n" }
        return md
    }

    static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
}
