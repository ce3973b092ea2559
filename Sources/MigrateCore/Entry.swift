/// What kind of thing a tree entry is.
public enum EntryKind: String, Codable, Sendable {
    case file, directory
}

/// One entry of a tree, as an enumeration returns it: cheap metadata only, no security descriptor.
public struct Entry: Hashable, Codable, Sendable {
    /// Path relative to the tree root, components joined by "/".
    public var path: String
    public var kind: EntryKind
    public var size: UInt64
    public var times: FileTimes
    public var attributes: DOSAttributes

    public init(path: String, kind: EntryKind, size: UInt64 = 0, times: FileTimes = FileTimes(), attributes: DOSAttributes = []) {
        self.path = path; self.kind = kind; self.size = size; self.times = times; self.attributes = attributes
    }

    /// The last path component.
    public var name: Substring {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
        return path[path.utf8.index(after: slash)...]
    }
    public var depth: Int { path.isEmpty ? 0 : path.utf8.reduce(1) { $1 == UInt8(ascii: "/") ? $0 + 1 : $0 } }
}

/// Joins relative tree paths ("" is the root).
public func joinPath(_ parent: String, _ name: String) -> String {
    parent.isEmpty ? name : parent + "/" + name
}

/// The folder a relative tree path lies in ("" for the root's children).
public func parentPath(_ path: String) -> String {
    path.split(separator: "/").dropLast().joined(separator: "/")
}
