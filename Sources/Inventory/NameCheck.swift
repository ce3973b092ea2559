/// Names and paths Windows clients or servers will reject or mishandle on the target.
public enum NameProblem: String, Codable, Sendable, CaseIterable {
    case pathTooLong = "path longer than 260 characters (MAX_PATH)"
    case invalidCharacter = "character Windows rejects (< > : \" | ? * or control)"
    case trailingDotOrSpace = "name ends with a dot or a space"
    case reservedName = "reserved device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9)"
    case caseCollision = "differs from a sibling only by case"
    case notAName = "not a name a pass can use (empty, dots only, a path separator, ':' or a control character): refused and reported by every pass"
}

public enum NameCheck {
    static let reserved = Set(["CON", "PRN", "AUX", "NUL"] + (1...9).map { "COM\($0)" } + (1...9).map { "LPT\($0)" })

    /// Problems of one name itself (not its siblings). `fullPathLength` is the length of the
    /// path as users will see it on the target (`\\server\share\…`).
    public static func problems(name: Substring, fullPathLength: Int) -> [NameProblem] {
        var found: [NameProblem] = []
        if fullPathLength > 260 { found.append(.pathTooLong) }
        if name.unicodeScalars.contains(where: { $0.value < 32 || "<>:\"|?*".unicodeScalars.contains($0) }) {
            found.append(.invalidCharacter)
        }
        if name.hasSuffix(".") || name.hasSuffix(" ") { found.append(.trailingDotOrSpace) }
        let stem = name.split(separator: ".", maxSplits: 1).first.map { $0.uppercased() } ?? ""
        if reserved.contains(stem.trimmingTrailingSpaces) { found.append(.reservedName) }
        return found
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
