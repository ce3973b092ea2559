/// Folder mappings whose sources lie in one share: a share-permissions freeze of any of them
/// freezes the whole share, so they keep one original between them. A freeze reuses what a
/// frozen peer saved (reading the share now would take its frozen permissions for the
/// original), and a rollback restores the share only when no peer is frozen any more.
public struct SharedShareFreeze {
    /// The other mappings reading the same share.
    public var peers: [String]
    /// The share permissions a frozen peer saved before its freeze, if one is frozen.
    public var savedOriginal: () throws -> [UInt8]?
    /// The peers frozen now.
    public var stillFrozen: () throws -> [String]

    public init(peers: [String], savedOriginal: @escaping () throws -> [UInt8]?, stillFrozen: @escaping () throws -> [String]) {
        self.peers = peers; self.savedOriginal = savedOriginal; self.stillFrozen = stillFrozen
    }
}
