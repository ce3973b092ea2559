/// Small inline SVG bar charts for the HTML reports: a manager sees the shape before the numbers.
/// Self-contained (no script, no external file), readable without colour (labels carry the values).
public enum SVGChart {
    public struct Bar: Sendable {
        public var label: String
        public var value: Double
        /// What the bar's end says ("152.6 MiB", "3004 files").
        public var text: String
        public init(label: String, value: Double, text: String) { self.label = label; self.value = value; self.text = text }
    }

    /// Horizontal bars, one a row, scaled to the largest.
    public static func bars(_ title: String, _ bars: [Bar]) -> String {
        guard !bars.isEmpty else { return "" }
        let row = 22, labelWidth = 170, barWidth = 360, height = bars.count * row + 28
        let top = bars.map(\.value).max() ?? 0
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(labelWidth + barWidth + 130)\" height=\(q(height)) "
            + "font-family=\"system-ui,sans-serif\" font-size=\"12\"><title>\(HTMLReport.escape(title))</title>"
            + "<text x=\"0\" y=\"14\" font-weight=\"bold\">\(HTMLReport.escape(title))</text>"
        for (i, b) in bars.enumerated() {
            let y = 24 + i * row
            let w = top > 0 ? max(Int((b.value / top * Double(barWidth)).rounded()), b.value > 0 ? 1 : 0) : 0
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 14)\" text-anchor=\"end\">\(HTMLReport.escape(short(b.label)))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(w)\" height=\"\(row - 6)\" fill=\"#4a7ab5\"/>"
            svg += "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + 14)\">\(HTMLReport.escape(b.text))</text>"
        }
        return svg + "</svg>"
    }

    static func q(_ n: Int) -> String { "\"\(n)\"" }

    static func short(_ s: String) -> String { s.count > 26 ? String(s.prefix(25)) + "…" : s }
}
