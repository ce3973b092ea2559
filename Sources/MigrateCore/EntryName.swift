/// The names an entry may have where a pass writes it: one path component, never empty, `.` or
/// `..`, with no `/`, `\`, `:` (a stream on an NTFS target), NUL or other control character. A
/// name from a listing that breaks these is refused before it is ever joined into a path.
public enum EntryName {
    /// What is wrong with `name`, or nil.
    /// The longest path Windows takes (`\\?\` paths), in UTF-16 units: no SMB request could
    /// name a deeper entry, so a server nesting folders without end stops there.
    public static let longestPath = 32_767

    public static func problem(_ name: Substring) -> String? {
        if name.isEmpty { return "an empty name" }
        if name == "." || name == ".." { return "'\(name)' names a folder itself or its parent" }
        // Windows drops trailing dots, so "..." is "." there: a server listing it in every folder would walk for ever.
        if name.allSatisfy({ $0 == "." }) { return "a name of dots only, which Windows reads as '.'" }
        if name.contains("/") || name.contains("\\") { return "it has a path separator" }
        if name.contains(":") { return "':' makes it an alternate data stream on the target" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "it has a control character" }
        return nil
    }

    /// A name as a message may show it: control characters escaped, at most `limit` characters.
    public static func shown(_ s: Substring, limit: Int = 80) -> String {
        let escaped = s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\x" + String($0.value, radix: 16) : String($0) }.joined()
        return escaped.count > limit ? String(escaped.prefix(limit - 3)) + "..." : escaped
    }
}
