import Glibc
import MigrateCore

/// Whole small files in one compound over a direct SMB2 session (see `SMB2Session`), where the
/// server allows one: SMB2 or later, no signing or encryption required, password logon. The
/// session opens on first use; when it cannot, the share says so by a put limit of 0 and files
/// go through libsmbclient. `MIGRATE_SMB2_COMPOUND=0` turns it off.
extension SMBShare: WholeFileTree {
    public var putLimit: Int {
        guard let session = try? compoundSession() else { return 0 }
        return session.putLimit
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
        let c = context.credentials, o = context.options
        if getenv("MIGRATE_SMB2_COMPOUND").map({ String(cString: $0) }) == "0" || c.kerberos || o.requireSigning
            || o.encryption == .desired || o.encryption == .required {
            compound = .unavailable
            return nil
        }
        do {
            let s = try SMB2Session(host: host, share: share, credentials: c, displayName: displayName)
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

/// Where a share's compound session stands.
enum CompoundSessionState {
    case none
    case open(SMB2Session)
    case unavailable
}
