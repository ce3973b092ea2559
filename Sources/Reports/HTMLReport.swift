/// A self-contained HTML page from the report's Markdown (headings, tables, lists, code spans),
/// for a manager who opens it in a browser.
public enum HTMLReport {
    /// `charts`: SVG to place right after the heading of that text (each used once, in order).
    public static func render(markdown: String, title: String, charts: [(heading: String, svg: String)] = []) -> String {
        var html = """
        <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
        th{background:#eef2f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
        tr.bad td{background:#fde8e8}.warn{background:#fff6dd;border-left:4px solid #e0a800;padding:.3em .6em}
        .bad-text{color:#a40000;font-weight:bold}.good-text{color:#1d6b2a;font-weight:bold}
        code{background:#f3f3f3;padding:0 .2em}h2{border-bottom:1px solid #ddd}svg{display:block;margin:.5em 0 1em}</style></head><body>

        """
        var charts = charts
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var inTable = false, inList = false, warning = false
        var i = 0
        while i < lines.count {
            let line = lines[i]
            defer { i += 1 }
            if line.hasPrefix("|") {
                let cells = Self.cells(line)
                if cells.allSatisfy({ c in c.contains("-") && c.allSatisfy { "-: ".contains($0) } }) { continue }
                // The row right above a `|---|` line is the header.
                let next = i + 1 < lines.count ? Self.cells(lines[i + 1]) : []
                let header = !next.isEmpty && next.allSatisfy { c in c.contains("-") && c.allSatisfy { "-: ".contains($0) } }
                if !inTable { html += warning ? "<table class=\"warn\">\n" : "<table>\n"; inTable = true }
                let bad = !header && cells.map(\.trimmingSpaces).contains { $0.contains("**failed**") || $0.hasPrefix("**unmapped") || $0.contains("⚠") }
                html += (bad ? "<tr class=\"bad\">" : "<tr>") + cells.map { c in
                    let text = inline(c.trimmingSpaces)
                    if header { return "<th>\(text)</th>" }
                    return Self.isNumber(c.trimmingSpaces) ? "<td class=\"n\">\(text)</td>" : "<td>\(text)</td>"
                }.joined() + "</tr>\n"
                continue
            }
            if inTable { html += "</table>\n"; inTable = false }
            if line.hasPrefix("- ") {
                if !inList { html += warning ? "<ul class=\"warn\">\n" : "<ul>\n"; inList = true }
                html += "<li>\(inline(String(line.dropFirst(2))))</li>\n"
                continue
            }
            if inList { html += "</ul>\n"; inList = false }
            for (level, prefix) in [(3, "### "), (2, "## "), (1, "# ")] where line.hasPrefix(prefix) {
                let text = String(line.dropFirst(prefix.count))
                // A section marked ⚠ is highlighted as a whole, up to the next heading.
                warning = text.hasPrefix("⚠")
                html += "<h\(level)\(warning ? " class=\"warn\"" : "")>\(inline(text))</h\(level)>\n"
                if let k = charts.firstIndex(where: { $0.heading == text }) { html += charts.remove(at: k).svg + "\n" }
                break
            }
            if line.hasPrefix("#") { continue }
            if !line.isEmpty {
                let cls = line.hasPrefix("**Result: identical") ? " class=\"good-text\""
                    : line.hasPrefix("**Result:") || line.hasPrefix("**Not inventoried") || line.hasPrefix("**Audit SACLs") ? " class=\"bad-text\"" : ""
                html += "<p\(cls)>\(inline(line))</p>\n"
            }
        }
        if inTable { html += "</table>\n" }
        if inList { html += "</ul>\n" }
        return html + "</body></html>\n"
    }

    static func cells(_ line: String) -> [String] {
        guard line.hasPrefix("|") else { return [] }
        // `\|` inside a cell is an escaped bar, not a border.
        var cells: [String] = [], cur = "", escaped = false
        for c in line.dropFirst() {
            if escaped { cur.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; cur.append(c); continue }
            if c == "|" { cells.append(cur); cur = ""; continue }
            cur.append(c)
        }
        return cells
    }

    static func isNumber(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy { $0.isNumber || $0 == "." || $0 == "," } }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// `code` and **bold** spans.
    static func inline(_ s: String) -> String {
        var out = "", code = false, i = s.startIndex
        var bold = false
        while i < s.endIndex {
            if s[i] == "`" { out += code ? "</code>" : "<code>"; code.toggle(); i = s.index(after: i); continue }
            if !code, s[i...].hasPrefix("**") { out += bold ? "</b>" : "<b>"; bold.toggle(); i = s.index(i, offsetBy: 2); continue }
            if s[i] == "\\", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "|" { out += "|"; i = s.index(i, offsetBy: 2); continue }
            out += escape(String(s[i]))
            i = s.index(after: i)
        }
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
