/// One thing wrong with a plan file, with where it is.
public struct PlanProblem: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var hint: String?
    /// Set when the problem is in a file the plan refers to (a SID map CSV), not the plan itself.
    public var file: String?

    public init(line: Int, column: Int, message: String, hint: String? = nil, file: String? = nil) {
        self.line = line; self.column = column; self.message = message; self.hint = hint; self.file = file
    }

    public var description: String { "\(line):\(column): \(message)" + (hint.map { " (hint: \($0))" } ?? "") }
}

/// A plan that could not be used: every problem found, in file order.
public struct PlanError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [PlanProblem]

    public init(file: String, problems: [PlanProblem]) {
        self.file = file
        self.problems = problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    /// One line a problem, `file:line:column: error: …`, as compilers print them.
    public var description: String {
        problems.map { p in
            "\(p.file ?? file):\(p.line):\(p.column): error: \(p.message)" + (p.hint.map { "\n    hint: \($0)" } ?? "")
        }.joined(separator: "\n")
    }
}
