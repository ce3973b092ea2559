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
        return session.putLimit
    }

    /// Whether direct sessions may be tried at all with these credentials and options.
    var directSessionsAllowed: Bool {
        let c = context.credentials, o = context.options
        return getenv("MIGRATE_DIRECT_SMB").map({ String(cString: $0) }) != "0" && !c.kerberos && !o.requireSigning
            && o.encryption != .desired && o.encryption != .required
    }

    public func put(_ path: String, through temporary: String, data: UnsafeRawBufferPointer, times: FileTimes,
                    attributes: DOSAttributes, securityDescriptor: SecurityDescriptor?, replacing: Bool) throws(TreeError) {
        guard let session = try compoundSession() else {
            throw TreeError(.notSupported, tree: displayName, path: path, operation: "write", detail: "no SMB2 compound session")
        }
        let sd = securityDescriptor.map { ($0.preparedForSetting.selfRelative, $0.securityInformation) }
        do {
            try session.put(.init(path: path, temporary: temporary, data: data, times: times, attributes: attributes,
                                  securityDescriptor: sd, replacing: replacing))
        } catch {
            // A dropped connection ends this session; the next put opens a new one.
            if error.kind == .unreachable { compound = .none }
            throw error
        }
    }

    /// The open session, nil when this server cannot have one; a connection that failed is
    /// tried again on the next call.
    func compoundSession() throws(TreeError) -> SMB2Session? {
        switch compound {
        case .open(let s): return s
        case .unavailable: return nil
        case .none: break
        }
        guard directSessionsAllowed else {
            compound = .unavailable
            return nil
        }
        do {
            let s = try SMB2Session(host: host, share: share, credentials: context.credentials, displayName: displayName)
            compound = .open(s)
            return s
        } catch where error.kind == .unreachable {
            throw error
        } catch {
            compound = .unavailable
            return nil
        }
    }
}

extension SMBShare: WholeFileSourceTree {
    public var readLimit: Int {
        guard let session = try? readerSession() else { return 0 }
        return session.readLimit
    }

    public func readWhole(_ path: String, into buffer: UnsafeMutableRawBufferPointer, withSecurity: Bool) throws(TreeError) -> WholeFile {
        guard let session = try readerSession() else {
            throw TreeError(.notSupported, tree: displayName, path: path, operation: "read", detail: "no direct SMB1 session")
        }
        let base = SecurityDescriptorChannel.owner | SecurityDescriptorChannel.group | SecurityDescriptorChannel.dacl
        let withSACL = withSecurity && saclReadable != false
        do throws(TreeError) {
            let r: SMB1Session.WholeRead
            do throws(TreeError) {
                r = try session.readWhole(path, into: buffer, securityInformation: withSecurity ? base | (withSACL ? SecurityDescriptorChannel.sacl : 0) : nil)
                if withSACL { directSACLReadable = true }
            } catch where error.kind == .accessDenied && withSACL && saclReadable == nil {
                directSACLReadable = false   // no SeSecurityPrivilege: DACL only from now on
                r = try session.readWhole(path, into: buffer, securityInformation: base)
            }
            var sd: SecurityDescriptor?
            if let bytes = r.securityDescriptor {
                do { sd = try SecurityDescriptor(selfRelative: bytes) } catch {
                    throw TreeError(.io, tree: displayName, path: path, operation: "read security descriptor", detail: error.description)
                }
            }
            return WholeFile(count: r.count, created: r.created, streams: r.streams, securityDescriptor: sd)
        } catch {
            if error.kind == .unreachable { reader = .none }
            throw error
        }
    }

    func readerSession() throws(TreeError) -> SMB1Session? {
        switch reader {
        case .open(let s): return s
        case .unavailable: return nil
        case .none: break
        }
        guard directSessionsAllowed else {
            reader = .unavailable
            return nil
        }
        do {
            let s = try SMB1Session(host: host, share: share, credentials: context.credentials, displayName: displayName)
            reader = .open(s)
            return s
        } catch where error.kind == .unreachable {
            throw error
        } catch {
            reader = .unavailable
            return nil
        }
    }
}

/// Where one of a share's direct sessions stands.
enum DirectSessionState<Session> {
    case none
    case open(Session)
    case unavailable
}
