/// An error from a tree, with where it happened and what the other side said.
public struct TreeError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case unreachable          // host did not answer / refused the connection
        case protocolRefused      // no common SMB dialect
        case authenticationFailed // wrong user or password, or a guest mapping
        case shareNotFound
        case accessDenied
        case notFound
        case alreadyExists
        case notEmpty
        case busy                 // locked / sharing violation
        case notSupported
        case invalidArgument
        case io
        case integrity            // a reply failed its signature or decryption check: the session is ended
        case refusedByPlan        // the plan's rules refuse it (a principal without a mapping and `unmapped: fail`)
        case unexpected           // an error no tree reports (a value that cannot be decoded, a bug)
    }

    public var kind: Kind
    /// `//server/share` or a local folder.
    public var tree: String
    /// Path inside the tree, "" for the root.
    public var path: String
    /// What was being done, e.g. "open", "list", "read security descriptor".
    public var operation: String
    /// errno or NT status as text, as the library gave it.
    public var detail: String

    public init(_ kind: Kind, tree: String, path: String = "", operation: String, detail: String) {
        self.kind = kind; self.tree = tree; self.path = path; self.operation = operation; self.detail = detail
    }

    /// Whether trying again later can help (a lock may be released, a connection come back).
    public var isRetryable: Bool { kind == .busy || kind == .unreachable || kind == .io }

    public var description: String {
        let place = path.isEmpty ? tree : "\(tree)/\(path)"
        return "\(place): \(reason)"
    }

    /// What failed and why, without the place: "connect failed: share not found (…)".
    public var reason: String { "\(operation) failed: \(cause)" }

    /// Why, in words, with what the server said: "access denied (Permission denied (errno 13))".
    public var cause: String { "\(Self.phrase(kind)) (\(detail))" }

    /// A kind in words: "access denied", "in use or locked by another client".
    public static func phrase(_ kind: Kind) -> String { phrases[kind] ?? kind.rawValue }

    static let phrases: [Kind: String] = [
        .unreachable: "server unreachable", .protocolRefused: "no common SMB protocol",
        .authenticationFailed: "logon failed (wrong user or password?)", .shareNotFound: "share not found",
        .accessDenied: "access denied", .notFound: "not found", .alreadyExists: "already exists",
        .notEmpty: "folder not empty", .busy: "in use or locked by another client",
        .notSupported: "not supported", .invalidArgument: "invalid argument", .io: "I/O error",
        .integrity: "the server's reply failed its integrity check",
        .refusedByPlan: "refused by the plan", .unexpected: "unexpected error",
    ]
}
