/// A self-contained HTML page from the report's Markdown (headings, tables, lists, code spans),
/// for a manager who opens it in a browser.
public enum HTMLReport {
    public static func render(markdown: String, title: String) -> String {
        var html = """
        <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
        code{background:#f3f3f3;padding:0 .2em}h2{border-bottom:1px solid #ddd}</style></head><body>

        """
        var inTable = false, inList = false
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("|") {
                let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                if cells.allSatisfy({ $0.allSatisfy { "-: ".contains($0) } }) { continue }
                if !inTable { html += "<table>\n"; inTable = true }
                html += "<tr>" + cells.map { "<td>\(inline(String($0).trimmingSpaces))</td>" }.joined() + "</tr>\n"
                continue
            }
            if inTable { html += "</table>\n"; inTable = false }
            if line.hasPrefix("- ") {
                if !inList { html += "<ul>\n"; inList = true }
                html += "<li>\(inline(String(line.dropFirst(2))))</li>\n"
                continue
            }
            if inList { html += "</ul>\n"; inList = false }
            if line.hasPrefix("### ") { html += "<h3>\(inline(String(line.dropFirst(4))))</h3>\n" }
            else if line.hasPrefix("## ") { html += "<h2>\(inline(String(line.dropFirst(3))))</h2>\n" }
            else if line.hasPrefix("# ") { html += "<h1>\(inline(String(line.dropFirst(2))))</h1>\n" }
            else if !line.isEmpty { html += "<p>\(inline(line))</p>\n" }
        }
        if inTable { html += "</table>\n" }
        if inList { html += "</ul>\n" }
        return html + "</body></html>\n"
    }

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
