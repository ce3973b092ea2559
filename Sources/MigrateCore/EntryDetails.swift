/// What a cheap listing may not give: the create time (SMB1 listings through libsmbclient never
/// carry it) and the alternate data streams.
public struct EntryDetails: Hashable, Codable, Sendable {
    public struct DataStream: Hashable, Codable, Sendable {
        /// The stream name without the leading ':' and the ':$DATA' suffix.
        public var name: String
        public var size: UInt64
        public init(name: String, size: UInt64) { self.name = name; self.size = size }
    }

    public var created: Timestamp?
    public var streams: [DataStream]

    public init(created: Timestamp?, streams: [DataStream] = []) {
        self.created = created; self.streams = streams
    }
}

/// A tree that can answer per-entry questions a listing cannot (one round trip per entry).
public protocol DetailedTree: Tree {
    func details(_ path: String) throws(TreeError) -> EntryDetails
}

/// A tree whose files carry alternate data streams, opened as `file:stream` (NTFS naming) with
/// the tree's ordinary file calls.
public protocol AlternateStreamTree: DetailedTree {}

extension AlternateStreamTree {
    /// The path that opens stream `name` of file `path`.
    public func streamPath(_ path: String, _ name: String) -> String { path + ":" + name }
}
