import Foundation
import MigrateCore
import Yams

/// Reads a plan file and validates all of it, reporting every problem with line:column.
/// Relative paths in the plan (catalog, SID map, password files) are relative to the plan's folder.
public enum PlanLoader {
    public static func load(path: String) throws(PlanError) -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlanError(file: path, problems: [PlanProblem(line: 1, column: 1, message: "cannot read the plan file",
                                                               hint: "check the path and that it is readable")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PlanError(file: path, problems: [PlanProblem(line: 1, column: 1, message: "the plan is not UTF-8 text")])
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(PlanError) -> Plan {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw PlanError(file: file, problems: [PlanProblem(line: 1, column: 1, message: "the plan is empty",
                                                                   hint: "start from Plans/lab.yaml")])
            }
            root = node
        } catch let e as PlanError {
            throw e
        } catch let e as YamlError {
            throw PlanError(file: file, problems: [yamlProblem(e)])
        } catch {
            throw PlanError(file: file, problems: [PlanProblem(line: 1, column: 1, message: "\(error)")])
        }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let builder = PlanBuilder(file: file, base: base)
        let plan = builder.build(root)
        if let plan, builder.sink.problems.isEmpty { return plan }
        throw PlanError(file: file, problems: builder.sink.problems)
    }

    static func yamlProblem(_ e: YamlError) -> PlanProblem {
        switch e {
        case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _),
             .composer(let ctx, let problem, let mark, _):
            let where_ = ctx.map { " (\($0.text))" } ?? ""
            return PlanProblem(line: mark.line, column: mark.column, message: "YAML syntax: \(problem)\(where_)",
                               hint: "check indentation and quoting; backslashes in UNC paths need single quotes")
        case .duplicatedKeysInMapping(let dups, let ctx):
            return PlanProblem(line: ctx.mark.line, column: ctx.mark.column,
                               message: "duplicate key(s): \(dups.joined(separator: ", "))")
        default:
            return PlanProblem(line: 1, column: 1, message: "YAML: \(e)")
        }
    }
}
