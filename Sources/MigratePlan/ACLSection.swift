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
                else { sink.problems.append(PlanProblem(line: row.line, column: row.bColumn, message: "'\(row.b)' is not a SID", file: row.file)) }
            }
        }
        func principal(_ text: String, _ at: Node?, file: String? = nil, line: Int = 0, column: Int = 0) -> SID? {
            if let sid = SID(text) { return sid }
            if let sid = byName[text.lowercased()] { return sid }
            let message = text.contains("\\") ? "unknown principal '\(text)'" : "'\(text)' is neither a SID nor DOMAIN\\name"
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
                    sink.problems.append(PlanProblem(line: row.line, column: 1, message: "'\(row.a)' is mapped twice", file: row.file))
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
        if policy.mode == .copy && !policy.map.isEmpty {
            sink.add(r.value("mode") ?? node, "a SID map is given but mode is 'copy'", hint: "set mode: translate to apply it")
        }
        r.rejectUnknownKeys("acl")
        return policy
    }

    struct Row { var a: String; var b: String; var line: Int; var bColumn: Int; var file: String }

    /// Two-column CSV (`from,to` or `name,sid`); '#' comments and a header row are skipped.
    func csv(_ path: String, node: Node?) -> [Row] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            sink.add(node, "cannot read '\(path)'", hint: "the path is relative to the plan's folder")
            return []
        }
        var rows: [Row] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if rows.isEmpty, let h = cols.first?.lowercased(), ["from", "source", "name", "old"].contains(h) { continue }
            guard cols.count >= 2, !cols[0].isEmpty, !cols[1].isEmpty else {
                sink.problems.append(PlanProblem(line: i + 1, column: 1, message: "expected two comma-separated columns", file: path))
                continue
            }
            rows.append(Row(a: cols[0], b: cols[1], line: i + 1, bColumn: (line.firstIndex(of: ",")!.utf16Offset(in: line)) + 2, file: path))
        }
        return rows
    }
}
