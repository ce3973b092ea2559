import Foundation
import Yams

/// Reads a YAML mapping node field by field, collecting problems with their line:column instead
/// of stopping at the first, and flagging keys nobody asked for (typos).
final class NodeReader {
    let node: Node
    let mapping: Node.Mapping
    let sink: ProblemSink
    private var used: Set<String> = []

    init?(_ node: Node, _ sink: ProblemSink, what: String) {
        guard let m = node.mapping else {
            sink.add(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        self.node = node; self.mapping = m; self.sink = sink
    }

    func value(_ key: String) -> Node? {
        used.insert(key)
        return mapping[key]
    }

    func string(_ key: String, required: Bool = false, hint: String? = nil) -> String? {
        guard let v = value(key) else {
            if required { sink.add(node, "missing required key '\(key)'", hint: hint) }
            return nil
        }
        guard case .scalar(let s) = v, !s.string.isEmpty || !required else {
            sink.add(v, "'\(key)' must be a text value", hint: hint)
            return nil
        }
        if required && s.string.trimmingCharacters(in: .whitespaces).isEmpty {
            sink.add(v, "'\(key)' must not be empty", hint: hint)
            return nil
        }
        return s.string
    }

    func bool(_ key: String, default def: Bool) -> Bool {
        guard let v = value(key) else { return def }
        if let b = v.bool, case .scalar = v { return b }
        sink.add(v, "'\(key)' must be true or false")
        return def
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default def: T) -> T where T.RawValue == String {
        guard let text = string(key) else { return def }
        if let v = T(rawValue: text.lowercased()) { return v }
        sink.add(value(key)!, "'\(key)' has unknown value '\(text)'",
                 hint: "one of: " + T.allCases.map(\.rawValue).joined(separator: ", "))
        return def
    }

    func strings(_ key: String) -> [(String, Node)] {
        guard let v = value(key) else { return [] }
        if case .scalar(let s) = v { return [(s.string, v)] }
        guard case .sequence(let seq) = v else {
            sink.add(v, "'\(key)' must be a list")
            return []
        }
        var out: [(String, Node)] = []
        for item in seq {
            if case .scalar(let s) = item { out.append((s.string, item)) }
            else { sink.add(item, "items of '\(key)' must be text values") }
        }
        return out
    }

    func sequence(_ key: String) -> [Node]? {
        guard let v = value(key) else { return nil }
        guard case .sequence(let seq) = v else {
            sink.add(v, "'\(key)' must be a list")
            return nil
        }
        return Array(seq)
    }

    /// Reports every key that was never read, suggesting the closest known one.
    func rejectUnknownKeys(_ section: String) {
        for (k, _) in mapping {
            guard let name = k.string, !used.contains(name) else { continue }
            // A typo is short: a long key is no near miss (and comparing it would take minutes).
            let close = name.count > 64 ? nil : used.min { editDistance($0, name) < editDistance($1, name) }
            let hint = close.flatMap { editDistance($0, name) <= 3 ? "did you mean '\($0)'?" : nil }
                ?? "known keys: " + used.sorted().joined(separator: ", ")
            sink.add(k, "unknown key '\(PlanSafety.shown(name))' in \(section)", hint: hint)
        }
    }
}

/// Collects problems, positioned at YAML nodes.
final class ProblemSink {
    var problems: [PlanProblem] = []

    func add(_ node: Node?, _ message: String, hint: String? = nil) {
        let mark = node?.mark
        problems.append(PlanProblem(line: mark?.line ?? 1, column: mark?.column ?? 1, message: message, hint: hint))
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    for i in 1...a.count {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[b.count]
}
