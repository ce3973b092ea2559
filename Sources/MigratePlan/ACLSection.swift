import Foundation
import MigrateCore
import Yams

/// The `acl` section: copy or translate, the SID map (inline and/or CSV), names, unmapped policy.
struct ACLSection {
    let builder: PlanBuilder
    var sink: ProblemSink { builder.sink }

    func build(_ node: Node?) -> ACLPolicy {
        var policy = ACLPolicy(mode: .copy, map: [:], unmapped: .keep, names: [:])
        guard let node, let r = NodeReader(node, sink, what: "'acl'") else { return policy }
        policy.mode = r.choice("mode", default: .copy)
        // Names first: map entries may use them.
        var byName: [String: SID] = [:]
        if let p = r.value("principals") {
            if let m = p.mapping {
                for (k, v) in m {
                    guard let name = k.string, let text = v.string else { continue }
                    if let sid = SID(text) { byName[name.lowercased()] = sid; policy.names[sid] = name }
                    else { sink.add(v, "'\(text)' is not a SID", hint: "principals map DOMAIN\\name to S-1-5-21-…") }
                }
            } else { sink.add(p, "'principals' must map names to SIDs") }
        }
        if let f = r.string("principals_file") {
            for row in csv(builder.resolvePath(f), node: r.value("principals_file")) {
                if let sid = SID(row.b) { byName[row.a.lowercased()] = sid; policy.names[sid] = row.a }
                else { sink.problems.append(PlanProblem(line: row.line, column: row.bColumn, message: "'\(Self.shown(row.b))' is not a SID", file: row.file)) }
            }
        }
        func principal(_ text: String, _ at: Node?, file: String? = nil, line: Int = 0, column: Int = 0) -> SID? {
            if let sid = SID(text) { return sid }
            if let sid = byName[text.lowercased()] { return sid }
            let message = text.contains("\\") ? "unknown principal '\(Self.shown(text))'" : "'\(Self.shown(text))' is neither a SID nor DOMAIN\\name"
            let hint = "give the SID, or list the name under acl.principals (or principals_file)"
            if let file { sink.problems.append(PlanProblem(line: line, column: column, message: message, hint: hint, file: file)) }
            else { sink.add(at, message, hint: hint) }
            return nil
        }
        if let m = r.value("map") {
            if let mm = m.mapping {
                for (k, v) in mm {
                    guard let from = principal(k.string ?? "", k), let to = principal(v.string ?? "", v) else { continue }
                    if policy.map[from] != nil { sink.add(k, "'\(k.string ?? "")' is mapped twice") }
                    policy.map[from] = to
                }
            } else { sink.add(m, "'map' must map old principals to new ones", hint: "'OLDCORP\\Finance': 'NEWCORP\\Finance'") }
        }
        if let f = r.string("map_file") {
            for row in csv(builder.resolvePath(f), node: r.value("map_file")) {
                guard let from = principal(row.a, nil, file: row.file, line: row.line, column: 1),
                      let to = principal(row.b, nil, file: row.file, line: row.line, column: row.bColumn) else { continue }
                if policy.map[from] != nil {
                    sink.problems.append(PlanProblem(line: row.line, column: 1, message: "'\(Self.shown(row.a))' is mapped twice", file: row.file))
                }
                policy.map[from] = to
            }
        }
        let unmapped = r.string("unmapped") ?? "keep"
        switch unmapped.lowercased() {
        case "keep": policy.unmapped = .keep
        case "drop": policy.unmapped = .drop
        case "fail": policy.unmapped = .fail
        case "fallback":
            if let f = r.string("fallback", required: true, hint: "the principal unmapped SIDs become, e.g. fallback: 'NEWCORP\\Migration-Orphans'"),
               let sid = principal(f, r.value("fallback")) {
                policy.unmapped = .fallback(sid)
            }
        default:
            sink.add(r.value("unmapped"), "'unmapped' has unknown value '\(unmapped)'", hint: "one of: keep, drop, fail, fallback")
        }
        policy.unreadable = r.choice("unreadable", default: .inherit)
        if policy.mode == .copy && !policy.map.isEmpty {
            sink.add(r.value("mode") ?? node, "a SID map is given but mode is 'copy'", hint: "set mode: translate to apply it")
        }
        r.rejectUnknownKeys("acl")
        return policy
    }

    struct Row { var a: String; var b: String; var line: Int; var bColumn: Int; var file: String }

    /// Two-column CSV (`from,to` or `name,sid`), as spreadsheets save it: UTF-8 with or without a
    /// BOM, LF or CRLF line ends, RFC 4180 quoting (`"OLDCORP\Sales, Paris",S-1-…`). '#' lines are
    /// comments. A first row without a SID and without a `DOMAIN\` name is a header, whatever its
    /// names; columns after the second are allowed only when the header names them (comments).
    func csv(_ path: String, node: Node?) -> [Row] {
        // A map is a file of its own: never a device or a process's memory or environment
        // (whose text an error would print), never larger than a spreadsheet could be.
        var st = stat()
        if ["/dev", "/proc", "/sys"].contains(where: { PlanSafety.isInside(path, $0) }) || (stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG) {
            sink.add(node, "'\(path)' is not a regular file", hint: "a CSV file of two columns: from,to (or name,sid)")
            return []
        }
        if st.st_size > 64 << 20 {
            sink.add(node, "'\(path)' is \(st.st_size >> 20) MiB: too large for a SID map", hint: "a CSV file of two columns: from,to (or name,sid)")
            return []
        }
        guard let data = FileManager.default.contents(atPath: path), let decoded = String(data: data, encoding: .utf8) else {
            sink.add(node, "cannot read '\(path)' as UTF-8 text", hint: "the path is relative to the plan's folder")
            return []
        }
        guard !data.contains(0) else {
            sink.add(node, "'\(path)' is not a text file", hint: "a CSV file of two columns: from,to (or name,sid)")
            return []
        }
        let text = decoded.hasPrefix("\u{FEFF}") ? String(decoded.dropFirst()) : decoded
        var rows: [Row] = []
        var header: [String]?
        var sawData = false
        // Character.isNewline covers "\r\n", which Swift keeps as one character.
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let fields = Self.fields(line) else {
                sink.problems.append(PlanProblem(line: i + 1, column: 1, message: "a quoted field is not closed", file: path))
                continue
            }
            let cols = fields.map { $0.text }
            if !sawData && header == nil && !cols.contains(where: Self.looksLikePrincipal) {
                header = cols
                continue
            }
            sawData = true
            guard cols.count >= 2, !cols[0].isEmpty, !cols[1].isEmpty else {
                sink.problems.append(PlanProblem(line: i + 1, column: 1, message: "expected two comma-separated columns", file: path))
                continue
            }
            if cols.count > 2 && (header?.count ?? 2) < cols.count {
                sink.problems.append(PlanProblem(line: i + 1, column: fields[2].column, message: "\(cols.count) columns where two are expected",
                                                 hint: "name extra columns (comments) in a header row, e.g. from,to,comment", file: path))
                continue
            }
            rows.append(Row(a: cols[0], b: cols[1], line: i + 1, bColumn: fields[1].column, file: path))
        }
        return rows
    }

    /// A SID or a `DOMAIN\name` / `name@domain` principal: what data rows hold and headers do not.
    static func looksLikePrincipal(_ s: String) -> Bool {
        s.uppercased().hasPrefix("S-1-") || s.contains("\\") || s.contains("@")
    }

    /// The fields of one CSV line (RFC 4180: quotes around a field, "" for a quote inside), each
    /// with its 1-based column; nil when a quote is not closed.
    static func fields(_ line: String) -> [(text: String, column: Int)]? {
        var out: [(String, Int)] = []
        var field = "", column = 1, position = 1, quoted = false, inQuotes = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            position += 1
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst(); position += 1 } else { inQuotes = false }
                } else { field.append(c) }
            } else if c == "\"" && field.trimmingCharacters(in: .whitespaces).isEmpty {
                field = ""; quoted = true; inQuotes = true
            } else if c == "," {
                out.append((quoted ? field : field.trimmingCharacters(in: .whitespaces), column))
                field = ""; quoted = false; column = position
            } else {
                field.append(c)
            }
        }
        if inQuotes { return nil }
        out.append((quoted ? field : field.trimmingCharacters(in: .whitespaces), column))
        return out
    }

    /// A cell as an error message may show it: at most 60 characters, control characters escaped
    /// (a file named by mistake must not be printed whole).
    static func shown(_ s: String) -> String {
        let clean = s.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return clean.count > 60 ? String(clean.prefix(60)) + "…" : clean
    }
}
