import Engine
import Foundation

/// The verification report of a cutover: counts, then every difference found (Markdown and JSON).
public enum VerifyReport {
    /// Writes `<share>-verify-<stamp>.md` and `.json` into `dir`; returns the Markdown path.
    public static func write(_ r: Verifier.Result, share: String, source: String, target: String, stamp: String, to dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = "\(dir)/\(share)-verify-\(stamp)"
        var md = "# Verification: \(share)\n\n\(source) against \(target)\n\n"
        md += "- \(r.files) files (\(Human.bytes(r.bytes)), every one read on both sides and compared by SHA-256), \(r.folders) folders\n"
        md += "- \(r.descriptorsCompared) security descriptors compared (owner, group, DACL and its protected flag, after the SID map)\n"
        md += "- took \(Human.duration(r.seconds))\n\n"
        md += r.isClean ? "**Result: identical.**\n" : "**Result: \(r.differenceCount) differences.**\n\n| Path | What | Source | Target |\n|---|---|---|---|\n"
        for d in r.differences {
            md += "| \(d.path) | \(d.what) | \(d.source.replacingOccurrences(of: "|", with: "\\|")) | \(d.target.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        try md.write(toFile: base + ".md", atomically: true, encoding: .utf8)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(r).write(to: URL(fileURLWithPath: base + ".json"))
        return base + ".md"
    }
}
