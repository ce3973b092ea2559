/// What a source turned out not to have at all: security descriptors (a FAT volume, a NAS with
/// NT ACLs off, a server that does not implement the query) or alternate data streams. Learnt
/// from the first answer that says so; the pass says each once, and copies the rest.
public struct SourceGaps: Sendable, Hashable {
    public var descriptors = false
    public var streams = false
    /// What the server answered when asked for a descriptor.
    public var descriptorError: String?

    public init() {}

    public mutating func add(_ o: SourceGaps) {
        descriptors = descriptors || o.descriptors
        streams = streams || o.streams
        descriptorError = descriptorError ?? o.descriptorError
    }

    public var isEmpty: Bool { !descriptors && !streams }
}
