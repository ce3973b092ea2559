import CSMBClient
import Glibc
import MigrateCore

/// A share on an SMB server as a `Tree`, through one `SMBContext`.
public final class SMBShare: SecurityDescriptorTree, AlternateStreamTree {
    public let host: String
    public let share: String
    public let context: SMBContext
    public var displayName: String { "//\(host)/\(share)" }
    /// SMB carries 100 ns; what the server stores may be coarser (compared at the coarser side).
    public let timePrecision: Int64 = 1

    public init(host: String, share: String, context: SMBContext) {
        self.host = host; self.share = share; self.context = context
    }

    var endpoint: SecurityDescriptorChannel.Endpoint {
        .init(host: host, share: share, credentials: context.credentials, requireSigning: context.options.requireSigning,
              encryption: context.options.encryption, displayName: displayName)
    }
    lazy var securityChannel = SecurityDescriptorChannel(endpoint)
    lazy var infoChannel = SMBInfoChannel(endpoint)
    var compound = DirectSessionState<SMB2Session>.none
    var reader = DirectSessionState<SMB1Session>.none
    var listingAhead = ListingAhead()
    /// Learnt by the direct SMB1 reader (it reads descriptors without the helper).
    var directSACLReadable: Bool?

    /// Create time (also over SMB1) and alternate data streams: through the direct SMB1 session
    /// where there is one, else smbclient's allinfo.
    public func details(_ path: String) throws(TreeError) -> EntryDetails {
        if let session = try readerSession() {
            return try overDirectSession { () throws(TreeError) in try session.details(path) }
        }
        return try infoChannel.details(path)
    }

    /// Whether the account could read SACLs (nil until a descriptor was read).
    public var saclReadable: Bool? { directSACLReadable ?? securityChannel.saclReadable }

    /// The libsmbclient context, made (and the library loaded) on first use.
    var ctx: UnsafeMutablePointer<SMBCCTX> { get throws(TreeError) { try context.handle() } }

    func url(_ path: String) -> String { SMBURL.make(host: host, share: share, path: path) }

    func fail(_ path: String, _ op: String, _ code: Int32 = errno) -> TreeError {
        var e = SMBError.make(code, tree: displayName, path: path, operation: op, atRoot: path.isEmpty && op == "connect")
        // At connect time a missing root means the share itself does not exist.
        if op == "connect" && e.kind == .notFound { e.kind = .shareNotFound }
        return e
    }

    /// Logs on and opens the share root: the check `migrate plan` runs for every share.
    public func connect() throws(TreeError) {
        // A direct session's logon proves the account and the share and says plainly whether the
        // server made it a guest one; libsmbclient then connects when it is first needed (a
        // worker copying small files never needs it). Where that logon fails, libsmbclient's
        // attempt below reports why, as it does for servers without direct sessions.
        if !context.credentials.kerberos {
            do { if try confirmLogonDirectly() { return } } catch where error.refusedAccount {
                // Said once, as libsmbclient's attempt would have (which would be a second failed logon).
                throw TreeError(.authenticationFailed, tree: displayName, operation: "connect", detail: error.detail)
            } catch where error.refusedShare {
                throw TreeError(error.kind, tree: displayName, operation: "connect",
                                detail: error.kind == .accessDenied ? "\(error.detail); the account logged on, the share's permissions refuse it" : error.detail)
            } catch where error.kind == .integrity {
                // A server whose replies fail their checks (altered, malformed) gets no second try.
                throw TreeError(.integrity, tree: displayName, operation: "connect", detail: error.detail)
            } catch {}
        }
        var st = Glibc.stat()
        let c = try ctx
        let rc = url("").withCString { csmb_smbc_getFunctionStat(c)(c, $0, &st) }
        if rc < 0 { throw fail("", "connect") }
        if !context.credentials.kerberos, try confirmLogonDirectly() { return }
        try refuseGuestSession()
    }

    /// libsmbclient does not say whether the server made us a guest. The server is asked who we
    /// are (account and domain must be the plan's); where it will not say, an unknown account is
    /// tried: if that gets in too, the server admits anyone as guest and this session cannot be
    /// trusted to be ours. Kerberos has no unknown account to try (it gets no ticket), so there
    /// the server must say.
    func refuseGuestSession() throws(TreeError) {
        try securityChannel.ensureStarted()
        if let who = securityChannel.loggedOnAs {
            if LoggedOnAccount.matches(who, context.credentials) { return }
            throw TreeError(.authenticationFailed, tree: displayName, operation: "connect",
                            detail: "the server logged the session on as '\(who)', not as '\(context.credentials)'; refusing it (a guest, or another account of that name: check the plan's domain)")
        }
        if context.credentials.kerberos {
            throw TreeError(.authenticationFailed, tree: displayName, operation: "connect",
                            detail: "the server would not say which account this Kerberos session is (LSA GetUserName refused, as for guests); refusing a possible guest session")
        }
        var bytes = [UInt8](repeating: 0, count: 8)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 97...122) }
        let stranger = SMBCredentials(user: "migrate-probe-" + String(decoding: bytes, as: UTF8.self), password: String(decoding: bytes.reversed(), as: UTF8.self))
        // Fails closed: a probe that cannot be made, or that fails for another reason than the
        // server refusing the unknown account, leaves the question open, and the session is refused.
        let undecided = TreeError(.authenticationFailed, tree: displayName, operation: "connect",
                                  detail: "the server would not say who this session is, and whether it admits unknown accounts as guest could not be checked; refusing a possible guest session")
        guard let probeContext = try? SMBContext(credentials: stranger), let probe = try? probeContext.handle() else { throw undecided }
        var st = Glibc.stat()
        errno = 0
        let admitted = url("").withCString { csmb_smbc_getFunctionStat(probe)(probe, $0, &st) } == 0
        if admitted {
            throw TreeError(.authenticationFailed, tree: displayName, operation: "connect",
                            detail: "the server admits unknown accounts as guest and would not confirm this logon is '\(context.credentials.user)'; refusing a possible guest session")
        }
        guard errno == EACCES || errno == EPERM else { throw undecided }
    }

    public func stat(_ path: String) throws(TreeError) -> Entry {
        if let entry = try statDirectly(path) { return entry }
        var st = Glibc.stat()
        let c = try ctx
        let rc = url(path).withCString { csmb_smbc_getFunctionStat(c)(c, $0, &st) }
        if rc < 0 { throw fail(path, "stat") }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            // A folder's mode always has x bits set, so its attributes cannot be decoded from it,
            // and libsmbclient's dos_attr.mode returns the synthesised unix mode: ask the parent.
            if let found = try entryFromParent(path) { return found }
            return Entry(path: path, kind: .directory, times: FileTimes(accessed: Timestamp(st.st_atim), modified: Timestamp(st.st_mtim),
                                                                        changed: Timestamp(st.st_ctim)), attributes: [.directory])
        }
        return Entry(path: path, kind: .file, size: UInt64(st.st_size),
                     times: FileTimes(created: nil, accessed: Timestamp(st.st_atim), modified: Timestamp(st.st_mtim),
                                      changed: Timestamp(st.st_ctim)),
                     attributes: Self.attributes(fromMode: st.st_mode))
    }

    /// Through a direct session's open, which answers with every time and the attributes (a
    /// folder's too, which libsmbclient cannot give); nil when there is none.
    private func statDirectly(_ path: String) throws(TreeError) -> Entry? {
        guard let s = try directSession() else { return nil }
        return try overDirectSession { () throws(TreeError) in try s.stat(path) }
    }

    /// libsmbclient encodes a file's DOS attributes in its synthesised mode: no write bit =
    /// read-only, u+x archive, g+x system, o+x hidden.
    static func attributes(fromMode mode: mode_t) -> DOSAttributes {
        var a: DOSAttributes = []
        if mode & S_IWUSR == 0 { a.insert(.readOnly) }
        if mode & S_IXUSR != 0 { a.insert(.archive) }
        if mode & S_IXGRP != 0 { a.insert(.system) }
        if mode & S_IXOTH != 0 { a.insert(.hidden) }
        return a.isEmpty ? [.normal] : a
    }

    private func entryFromParent(_ path: String) throws(TreeError) -> Entry? {
        guard !path.isEmpty else { return nil }
        let parent = parentPath(path)
        var found: Entry?
        do { try list(parent) { if $0.path == path { found = $0 } } }
        catch let e as TreeError { throw e } catch { return nil }
        return found
    }

    /// One round trip per directory chunk: name, size, attributes and all four times (the
    /// create time only through the direct SMB1 session or over SMB2/3).
    public func list(_ path: String, _ body: (Entry) throws -> Void) throws {
        if let entries = try listDirectly(path) {
            for e in entries { try body(e) }
            return
        }
        let c = try ctx
        guard let dir = url(path).withCString({ csmb_smbc_getFunctionOpendir(c)(c, $0) }) else {
            throw fail(path, "list folder")
        }
        defer { _ = csmb_smbc_getFunctionClosedir(c)(c, dir) }
        var st = Glibc.stat()
        errno = 0
        while let info = csmb_smbc_getFunctionReaddirPlus2(c)(c, dir, &st) {
            guard let cname = info.pointee.name else { continue }
            let name = String(cString: cname)
            if name == "." || name == ".." { continue }
            let attrs = DOSAttributes(rawValue: UInt32(info.pointee.attrs))
            let kind: EntryKind = attrs.contains(.directory) ? .directory : .file
            let btime = info.pointee.btime_ts
            try body(Entry(
                path: joinPath(path, name), kind: kind, size: kind == .file ? info.pointee.size : 0,
                times: FileTimes(created: btime.tv_sec == 0 && btime.tv_nsec == 0 ? nil : Timestamp(btime),
                                 accessed: Timestamp(info.pointee.atime_ts), modified: Timestamp(info.pointee.mtime_ts),
                                 changed: Timestamp(info.pointee.ctime_ts)),
                attributes: attrs))
            errno = 0
        }
        if errno != 0 && errno != ENOENT { throw fail(path, "list folder") }
    }

    /// One folder through a direct session (SMB1, else SMB2; SMB2 alone on a server known to
    /// speak it), nil when there is none. Gathered
    /// before it is handed on, so a connection dropped half way is retried once on a new one
    /// without repeats. While a walk works on one folder, the server already lists the next ones
    /// (see `ListingAhead`).
    private func listDirectly(_ path: String) throws(TreeError) -> [Entry]? {
        for attempt in 0..<2 {
            guard let session = try directSession() else { return nil }
            var entries: [Entry] = []
            do {
                try session.list(path, ahead: listingAhead.take(path, on: session)) { entries.append($0) }
                listingAhead.plan(after: entries, on: session)
                return entries
            } catch let error as TreeError {
                guard error.kind == .unreachable else {
                    if error.kind == .integrity { endDirectSessions() }
                    throw error
                }
                endDirectSessions()
                if attempt == 1 { throw error }
            } catch {
                throw TreeError(.io, tree: displayName, path: path, operation: "list folder", detail: "\(error)")
            }
        }
        return nil
    }

    public func makeDirectory(_ path: String) throws(TreeError) {
        if let session = try compoundSession() {
            return try overDirectSession { () throws(TreeError) in try session.makeDirectory(path) }
        }
        let c = try ctx
        let rc = url(path).withCString { csmb_smbc_getFunctionMkdir(c)(c, $0, 0o755) }
        if rc < 0 { throw fail(path, "create folder") }
    }

    public func removeFile(_ path: String) throws(TreeError) {
        let c = try ctx
        let rc = url(path).withCString { csmb_smbc_getFunctionUnlink(c)(c, $0) }
        if rc < 0 { throw fail(path, "delete file") }
    }

    public func removeDirectory(_ path: String) throws(TreeError) {
        let c = try ctx
        let rc = url(path).withCString { csmb_smbc_getFunctionRmdir(c)(c, $0) }
        if rc < 0 { throw fail(path, "delete folder") }
    }

    public func rename(_ from: String, to: String) throws(TreeError) {
        let c = try ctx
        let rc = url(from).withCString { a in url(to).withCString { b in csmb_smbc_getFunctionRename(c)(c, a, c, b) } }
        if rc < 0 { throw fail(from, "rename to \(to)") }
    }

    public func openForReading(_ path: String) throws(TreeError) -> any ReadableFile {
        let c = try ctx
        guard let f = url(path).withCString({ csmb_smbc_getFunctionOpen(c)(c, $0, O_RDONLY, 0) }) else {
            throw fail(path, "open for reading")
        }
        return SMBFile(share: self, path: path, handle: f)
    }

    public func openForResuming(_ path: String, at offset: UInt64) throws(TreeError) -> any WritableFile {
        let c = try ctx
        guard let f = url(path).withCString({ csmb_smbc_getFunctionOpen(c)(c, $0, O_WRONLY, 0) }) else {
            throw fail(path, "open for resuming")
        }
        let file = SMBFile(share: self, path: path, handle: f)
        try file.seek(to: offset)
        return file
    }

    public func openForWriting(_ path: String) throws(TreeError) -> any WritableFile {
        let c = try ctx
        guard let f = url(path).withCString({ csmb_smbc_getFunctionOpen(c)(c, $0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }) else {
            throw fail(path, "open for writing")
        }
        return SMBFile(share: self, path: path, handle: f)
    }
}
