import MigrateCore

/// A share served by the direct SMB2/3 session alone, signed or encrypted as the server or the
/// plan asks: every call of a tree (listings, metadata, descriptors, streams, files of any size
/// with several reads or writes in flight, removes, renames) and the one-exchange abilities,
/// with no libsmbclient and no helper. The transport of its own that the conformance suite
/// runs over by itself.
public final class SMB2Tree: TransportDescribingTree {
    let session: SMB2Session
    public let displayName: String
    /// Learnt on the first descriptor read: whether the account may read SACLs.
    public private(set) var saclReadable: Bool?

    public init(host: String, share: String, credentials: SMBCredentials, options: SMBSessionOptions = .init()) throws(TreeError) {
        displayName = "//\(host)/\(share)"
        session = try SMB2Session(host: host, share: share, credentials: credentials, options: options, displayName: displayName)
        if session.guest {
            throw TreeError(.authenticationFailed, tree: displayName, operation: "connect",
                            detail: "the server logged '\(credentials.user)' on as a guest; refusing a guest session")
        }
    }

    public var timePrecision: Int64 { 1 }
    public var transportSummary: String { session.summary }

    public func stat(_ path: String) throws(TreeError) -> Entry { try session.stat(path) }

    public func list(_ path: String, _ body: (Entry) throws -> Void) throws {
        try session.list(path, ahead: nil, body)
    }

    public func makeDirectory(_ path: String) throws(TreeError) { try session.makeDirectory(path) }
    public func removeFile(_ path: String) throws(TreeError) { try session.remove(path, directory: false) }
    public func removeDirectory(_ path: String) throws(TreeError) { try session.remove(path, directory: true) }
    public func rename(_ from: String, to: String) throws(TreeError) { try session.rename(from, to: to) }

    public func openForReading(_ path: String) throws(TreeError) -> any ReadableFile {
        // Read data and attributes, synchronize; others may keep it open, as libsmbclient lets them.
        let file = try session.open(path, access: 0x1 | 0x80 | 0x10_0000, disposition: 1, options: 0x40, operation: "open for reading")
        return SMB2ReadableFile(session, file, path: path)
    }

    public func openForWriting(_ path: String) throws(TreeError) -> any WritableFile {
        // Write data and attributes, read control, synchronize; overwrite or create; no sharing.
        let file = try session.open(path, access: 0x2 | 0x100 | 0x2_0000 | 0x10_0000, sharing: 0, disposition: 5, options: 0x40,
                                    operation: "open for writing")
        return SMB2WritableFile(session, file, path: path, at: 0)
    }

    public func openForResuming(_ path: String, at offset: UInt64) throws(TreeError) -> any WritableFile {
        let file = try session.open(path, access: 0x2 | 0x100 | 0x2_0000 | 0x10_0000, sharing: 0, disposition: 1, options: 0x40,
                                    operation: "open for resuming")
        guard file.size >= offset else {
            _ = try? session.exchange([SMB2Session.close(file.handle)], operation: "close")
            throw TreeError(.invalidArgument, tree: displayName, path: path, operation: "open for resuming",
                            detail: "the file holds \(file.size) bytes, fewer than the \(offset) to keep")
        }
        return SMB2WritableFile(session, file, path: path, at: offset)
    }

    public func setMetadata(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError) {
        try session.setTimesAndAttributes(path, times: times, attributes: attributes)
    }
}

extension SMB2Tree: SecurityDescriptorTree {
    public func securityDescriptor(_ path: String) throws(TreeError) -> SecurityDescriptor {
        try SecurityDescriptor.fromWire(try withSACLIfReadable { info throws(TreeError) in try session.securityDescriptor(path, info) },
                                        tree: displayName, path: path)
    }

    public func setSecurityDescriptor(_ path: String, _ sd: SecurityDescriptor) throws(TreeError) {
        try session.setSecurityDescriptor(path, sd.preparedForSetting.selfRelative, information: sd.securityInformation)
    }

    func withSACLIfReadable<T>(_ read: (UInt32) throws(TreeError) -> T) throws(TreeError) -> T {
        try readingSACLWhileAllowed(saclReadable, learnt: { saclReadable = $0 }, read)
    }
}

extension SMB2Tree: AlternateStreamTree {
    public func details(_ path: String) throws(TreeError) -> EntryDetails { try session.details(path) }
}

extension SMB2Tree: WholeFileTree, WholeFileSourceTree, OneExchangeMetadataTree {
    public var putLimit: Int {
        if session.putLimit < 16 * session.maxWrite { try? session.askForCredits() }
        return session.putLimit
    }

    public func put(_ path: String, through temporary: String, data: UnsafeRawBufferPointer, times: FileTimes,
                    attributes: DOSAttributes, securityDescriptor: SecurityDescriptor?) throws(TreeError) {
        try session.put(.init(path: path, temporary: temporary, data: data, times: times, attributes: attributes,
                              securityDescriptor: securityDescriptor.map { ($0.preparedForSetting.selfRelative, $0.securityInformation) }))
    }

    public var readLimit: Int { session.readLimit }

    public func readWhole(_ path: String, size: UInt64, into buffer: UnsafeMutableRawBufferPointer, withSecurity: Bool) throws(TreeError) -> WholeFile {
        let read = { (info: UInt32?) throws(TreeError) -> DirectWholeRead in
            try self.session.readWhole(path, size: size, into: buffer, securityInformation: info)
        }
        let r = withSecurity ? try withSACLIfReadable { info throws(TreeError) in try read(info) } : try read(nil)
        let sd = try r.securityDescriptor.map { bytes throws(TreeError) in try SecurityDescriptor.fromWire(bytes, tree: displayName, path: path) }
        return WholeFile(count: r.count, created: r.created, streams: r.streams, securityDescriptor: sd)
    }

    public func setMetadata(_ path: String, kind: EntryKind, times: FileTimes, attributes: DOSAttributes,
                            securityDescriptor: SecurityDescriptor?) throws(TreeError) -> Bool {
        try session.setMetadata(path, directory: kind == .directory, times: times, attributes: attributes,
                                securityDescriptor: securityDescriptor.map { ($0.preparedForSetting.selfRelative, $0.securityInformation) })
        return true
    }
}
