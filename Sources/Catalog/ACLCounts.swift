/// What the SID map did to the principals of a pass's descriptors.
public struct ACLCounts: Sendable, Hashable, Codable {
    public var mapped = 0
    public var unchanged = 0
    public var unmappedKept = 0
    public var unmappedDropped = 0
    public var unmappedFallback = 0
    public var saclsNotCopied = 0
    public init() {}

    public mutating func add(_ o: ACLCounts) {
        mapped += o.mapped; unchanged += o.unchanged; unmappedKept += o.unmappedKept
        unmappedDropped += o.unmappedDropped; unmappedFallback += o.unmappedFallback; saclsNotCopied += o.saclsNotCopied
    }
}
