import Glibc
import MigrateCore

/// Whole small files over direct sessions, where the server allows one (no signing or encryption
/// required, password logon): written in one compound to SMB2/3 servers (`SMB2Session`), read in
/// three exchanges from SMB1 servers (`SMB1Session`). A session opens on first use; when it
/// cannot, the share says so by a limit of 0 and files go through libsmbclient and the helpers.
/// `MIGRATE_DIRECT_SMB=0` turns both off.
extension SMBShare: WholeFileTree {
    public var putLimit: Int {
        guard let session = try? compoundSession() else { return 0 }
        if session.putLimit < 16 * session.maxWrite { try? session.askForCredits() }
        return session.putLimit
    }

    /// Whether direct sessions may be tried at all with these credentials (each session itself
    /// refuses what it cannot protect as the options ask).
    var directSessionsAllowed: Bool {
        getenv("MIGRATE_DIRECT_SMB").map({ String(cString: $0) }) != "0" && !context.credentials.kerberos
    }

    public func put(_ path: String, through temporary: String, data: UnsafeRawBufferPointer, times: FileTimes,
                    attributes: DOSAttributes, securityDescriptor: SecurityDescriptor?) throws(TreeError) {
        guard let session = try compoundSession() else {
            throw TreeError(.notSupported, tree: displayName, path: path, operation: "write", detail: "no SMB2 compound session")
        }
        let sd = securityDescriptor.map { ($0.preparedForSetting.selfRelative, $0.securityInformation) }
        try overDirectSession { () throws(TreeError) in
            try session.put(.init(path: path, temporary: temporary, data: data, times: times, attributes: attributes,
                                  securityDescriptor: sd))
        }
    }

    /// What serves this share's direct SMB2 work and how it is protected ("direct SMB 3.1.1,
    /// signed AES-128-GMAC"); nil where libsmbclient serves it.
    public var directSessionSummary: String? { (try? compoundSession())?.summary }

    func compoundSession() throws(TreeError) -> SMB2Session? {
        try direct(&compound) { () throws(TreeError) in
            try SMB2Session(host: host, share: share, credentials: context.credentials, options: context.options, displayName: displayName)
        }
    }

    /// Opens a direct session once; nil when this server cannot have one (the state remembers).
    /// A connection that failed is tried again on the next call; a guest logon is refused.
    func direct<S: DirectSession>(_ state: inout DirectSessionState<S>, _ open: () throws(TreeError) -> S) throws(TreeError) -> S? {
        switch state {
        case .open(let s): return s
        case .unavailable: return nil
        case .none: break
        }
        guard directSessionsAllowed else {
            state = .unavailable
            return nil
        }
        let s: S
        do { s = try open() } catch where error.kind == .unreachable || error.kind == .integrity || error.refusedAccount || error.refusedShare { throw error } catch {
            // Something this client cannot do (signing, a DFS share, SMB1 only...): libsmbclient serves.
            state = .unavailable
            return nil
        }
        if s.guest {
            throw TreeError(.authenticationFailed, tree: displayName, operation: "connect",
                            detail: "the server logged '\(context.credentials.user)' on as a guest; refusing a guest session")
        }
        state = .open(s)
        return s
    }

    /// The direct session for what both kinds do (listings, one entry's metadata, descriptors):
    /// SMB1 where the server has it, unless it is known to speak SMB2; else SMB2; nil when neither.
    func directSession() throws(TreeError) -> (any DirectLister)? {
        if !speaksSMB2Only, let s = try readerSession() { return s }
        return try compoundSession()
    }

    /// An SMB2 session is open and no SMB1 one was tried: SMB1 is not tried for what either can
    /// do (each attempt costs a connection, and a modern server refuses it), only for what
    /// needs it (reading whole files).
    var speaksSMB2Only: Bool {
        if case .open = compound, case .none = reader { return true }
        return false
    }

    /// Asks a direct session whether the server took the logon for the account: true when one
    /// could be opened (and was not a guest one), false when neither kind is possible here.
    func confirmLogonDirectly() throws(TreeError) -> Bool {
        if try compoundSession() != nil { return true }
        return try readerSession() != nil
    }

    /// The descriptor through a direct session (SMB1 or SMB2), nil when neither is possible.
    func directSecurityDescriptor(_ path: String) throws(TreeError) -> SecurityDescriptor? {
        guard let s = try directSession() else { return nil }
        let read = { (info: UInt32) throws(TreeError) -> [UInt8] in try s.securityDescriptor(path, info) }
        return try parseDescriptor(try overDirectSession { () throws(TreeError) in try withSACLIfReadable(read) }, path)
    }

    /// Runs `body` on a direct session; a dropped connection ends the sessions (the next call
    /// opens new ones) and is reported.
    func overDirectSession<T>(_ body: () throws(TreeError) -> T) throws(TreeError) -> T {
        do { return try body() } catch {
            // A reply that failed its check ends the sessions too: nothing more is read from them.
            if error.kind == .unreachable || error.kind == .integrity { endDirectSessions() }
            throw error
        }
    }

    func endDirectSessions() {
        reader = .none
        compound = .none
        listingAhead = ListingAhead()
    }

    func parseDescriptor(_ bytes: [UInt8], _ path: String) throws(TreeError) -> SecurityDescriptor {
        try SecurityDescriptor.fromWire(bytes, tree: displayName, path: path)
    }

    /// Reads owner, group, DACL and, while the account may, the SACL; the first refusal of the
    /// SACL (no SeSecurityPrivilege) turns it off for this share.
    func withSACLIfReadable<T>(_ read: (UInt32) throws(TreeError) -> T) throws(TreeError) -> T {
        try readingSACLWhileAllowed(saclReadable, learnt: { directSACLReadable = $0 }, read)
    }
}

extension SMBShare: WholeFileSourceTree {
    /// Over the direct session `directSession()` picks (SMB1 where the server speaks it, else SMB2).
    public var readLimit: Int { (try? directSession())??.readLimit ?? 0 }

    public func readWhole(_ path: String, size: UInt64, into buffer: UnsafeMutableRawBufferPointer, withSecurity: Bool) throws(TreeError) -> WholeFile {
        guard let session = try directSession() else {
            throw TreeError(.notSupported, tree: displayName, path: path, operation: "read", detail: "no direct session")
        }
        let read = { (info: UInt32?) throws(TreeError) -> DirectWholeRead in
            try session.readWhole(path, size: size, into: buffer, securityInformation: info)
        }
        let r = try overDirectSession { () throws(TreeError) in
            withSecurity ? try withSACLIfReadable { info throws(TreeError) in try read(info) } : try read(nil)
        }
        let sd = try r.securityDescriptor.map { bytes throws(TreeError) in try parseDescriptor(bytes, path) }
        return WholeFile(count: r.count, created: r.created, streams: r.streams, securityDescriptor: sd)
    }

    func readerSession() throws(TreeError) -> SMB1Session? {
        try direct(&reader) { () throws(TreeError) in
            try SMB1Session(host: host, share: share, credentials: context.credentials, options: context.options, displayName: displayName)
        }
    }
}

extension SMBShare: OneExchangeMetadataTree {
    public func setMetadata(_ path: String, kind: EntryKind, times: FileTimes, attributes: DOSAttributes,
                            securityDescriptor: SecurityDescriptor?) throws(TreeError) -> Bool {
        guard let session = try compoundSession() else { return false }
        let sd = securityDescriptor.map { ($0.preparedForSetting.selfRelative, $0.securityInformation) }
        try overDirectSession { () throws(TreeError) in
            try session.setMetadata(path, directory: kind == .directory, times: times, attributes: attributes, securityDescriptor: sd)
        }
        return true
    }
}

extension SMBShare: SettlingTree {
    /// Closes what the SMB1 reader left to close with its next requests.
    public func settle() {
        if case .open(let session) = reader { session.settle() }
    }
}

extension SMBShare: BatchSecurityDescriptorTree {
    /// Through the direct SMB1 session, once it is known whether the SACL can be read; otherwise
    /// nothing (callers then read one by one).
    public func securityDescriptors(_ paths: [String]) -> [String: SecurityDescriptor] {
        guard let readable = saclReadable, let session = try? readerSession() else { return [:] }
        let base = SecurityDescriptorChannel.owner | SecurityDescriptorChannel.group | SecurityDescriptorChannel.dacl
        let info = base | (readable ? SecurityDescriptorChannel.sacl : 0)
        guard let raw = try? overDirectSession({ () throws(TreeError) in try session.securityDescriptors(paths, info) }) else { return [:] }
        return raw.compactMapValues { try? SecurityDescriptor(selfRelative: $0) }
    }
}

extension TreeError {
    /// The server refused the account's password (the logon's second leg): no other session
    /// may try it again, since every failed attempt counts towards the account's lockout.
    var refusedAccount: Bool { kind == .authenticationFailed && operation == "log on" }
    /// The logon worked and the tree connect was refused (share permissions, a disabled or
    /// missing share): the server's own answer, which libsmbclient would blur into "logon failed".
    var refusedShare: Bool { operation == "connect share" && (kind == .accessDenied || kind == .shareNotFound) }
}

/// What `SMBShare.direct` needs of a session.
protocol DirectSession { var guest: Bool { get } }
extension SMB1Session: DirectSession {}
extension SMB2Session: DirectSession {}
/// Where one of a share's direct sessions stands.
enum DirectSessionState<Session> {
    case none
    case open(Session)
    case unavailable
}
