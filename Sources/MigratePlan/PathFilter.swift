import Glibc

/// Include/exclude globs, matched case-insensitively like Windows: a pattern without "/" matches
/// an entry's name, one with "/" its path from the share root. Excluding a folder prunes it.
public struct PathFilter: Sendable, Hashable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include; self.exclude = exclude
    }

    /// Whether an entry is migrated. Folders are only tested against `exclude`: an include
    /// pattern like "*.xls" must not prune the folders that hold such files.
    public func admits(path: String, isDirectory: Bool) -> Bool {
        if exclude.contains(where: { Self.matches($0, path) }) { return false }
        if isDirectory || include.isEmpty { return true }
        return include.contains { Self.matches($0, path) }
    }

    static func matches(_ pattern: String, _ path: String) -> Bool {
        if pattern.utf8.contains(UInt8(ascii: "/")) { return fnmatch(pattern, path, fnmCaseFold) == 0 }
        if pattern == "*" { return true }   // every name (no FNM_PERIOD: dot names too)
        let name = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[path.utf8.index(after: $0)...]) } ?? path
        return fnmatch(pattern, name, fnmCaseFold) == 0
    }

    /// GNU FNM_CASEFOLD (1 << 4); Glibc's module map does not export it.
    static let fnmCaseFold: Int32 = 1 << 4

    /// nil when the glob is well-formed, else why not.
    public static func problem(in pattern: String) -> String? {
        if pattern.isEmpty { return "empty pattern" }
        if pattern.contains("\\") { return "use / between folders in patterns, not \\" }
        var depth = 0
        for c in pattern { if c == "[" { depth += 1 } else if c == "]" { depth = max(0, depth - 1) } }
        return depth == 0 ? nil : "unclosed [ in pattern"
    }
}
