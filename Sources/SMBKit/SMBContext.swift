import CSMBClient
import Glibc
import MigrateCore

/// One libsmbclient context: its connections, its credentials. Not thread-safe: use one per
/// worker process (libsmbclient 4.17 crashes with contexts on several threads). Made on first
/// use, with the library (see CSMBClient): a process the direct sessions serve never loads it.
public final class SMBContext {
    /// Holds credentials for the C auth callback, which cannot capture.
    final class AuthBox {
        let credentials: SMBCredentials
        init(_ c: SMBCredentials) { credentials = c }
    }

    private var made: UnsafeMutablePointer<SMBCCTX>?
    private let auth: Unmanaged<AuthBox>
    public let credentials: SMBCredentials
    public let options: SMBSessionOptions

    /// A context speaking NT1 up to SMB3 (each server negotiates its best), once it is needed.
    public init(credentials: SMBCredentials, options: SMBSessionOptions = SMBSessionOptions()) throws(TreeError) {
        self.credentials = credentials
        self.options = options
        auth = Unmanaged.passRetained(AuthBox(credentials))
    }

    /// The context, made now if it is not yet.
    func handle() throws(TreeError) -> UnsafeMutablePointer<SMBCCTX> {
        if let made { return made }
        if let error = csmb_load_error() {
            throw TreeError(.notSupported, tree: "libsmbclient", operation: "load the library", detail: String(cString: error))
        }
        guard let ctx = csmb_smbc_new_context() else {
            throw TreeError(.io, tree: "libsmbclient", operation: "create context", detail: "smbc_new_context returned NULL")
        }
        csmb_smbc_setOptionUserData(ctx, auth.toOpaque())
        csmb_smbc_setFunctionAuthDataWithContext(ctx) { c, _, _, wg, wglen, un, unlen, pw, pwlen in
            guard let c, let raw = csmb_smbc_getOptionUserData(c) else { return }
            let creds = Unmanaged<AuthBox>.fromOpaque(raw).takeUnretainedValue().credentials
            copy(creds.domain, into: wg, capacity: wglen)
            copy(creds.user, into: un, capacity: unlen)
            copy(creds.password, into: pw, capacity: pwlen)
        }
        // Never fall back to an anonymous session when the logon fails.
        csmb_smbc_setOptionNoAutoAnonymousLogin(ctx, 1)
        csmb_smbc_setOptionUseKerberos(ctx, credentials.kerberos ? 1 : 0)
        csmb_smbc_setOptionFallbackAfterKerberos(ctx, credentials.kerberos ? 0 : 1)
        csmb_smbc_setOptionUseCCache(ctx, credentials.kerberos ? 1 : 0)
        csmb_smbc_setOptionFullTimeNames(ctx, 1)
        csmb_smbc_setOptionDebugToStderr(ctx, 1)
        switch options.encryption {
        case .auto: break
        case .off: csmb_smbc_setOptionSmbEncryptionLevel(ctx, SMBC_ENCRYPTLEVEL_NONE)
        case .desired: csmb_smbc_setOptionSmbEncryptionLevel(ctx, SMBC_ENCRYPTLEVEL_REQUEST)
        case .required: csmb_smbc_setOptionSmbEncryptionLevel(ctx, SMBC_ENCRYPTLEVEL_REQUIRE)
        }
        csmb_smbc_setDebug(ctx, 0)
        // The same bound on a reply as the direct sessions' (MIGRATE_IO_TIMEOUT).
        csmb_smbc_setTimeout(ctx, Int32(TCPTransport.replyTimeout * 1000))
        guard csmb_smbc_init_context(ctx) != nil else {
            let e = errno
            _ = csmb_smbc_free_context(ctx, 1)
            throw SMBError.make(e, tree: "libsmbclient", path: "", operation: "initialise context")
        }
        // Both are process-wide and reset by init: set them after it.
        ClientConfiguration.apply(to: ctx, requireSigning: options.requireSigning)
        _ = csmb_smbc_setOptionProtocols(ctx, "NT1", "SMB3")
        made = ctx
        return ctx
    }

    deinit {
        if let made { _ = csmb_smbc_free_context(made, 1) }
        auth.release()
    }
}

private func copy(_ text: String, into buffer: UnsafeMutablePointer<CChar>?, capacity: Int32) {
    guard let buffer, capacity > 0 else { return }
    let bytes = Array(text.utf8.prefix(Int(capacity) - 1))
    for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
}

/// Client options libsmbclient only takes from an smb.conf file: the mapping of hidden/system
/// attributes to mode bits (used to restore attributes after `utimes`) and signing.
enum ClientConfiguration {
    static func apply(to ctx: UnsafeMutablePointer<SMBCCTX>, requireSigning: Bool) {
        let text = """
        [global]
           map hidden = yes
           map system = yes
           map archive = yes
           map readonly = yes
           client signing = \(requireSigning ? "required" : "if_required")
           client ipc signing = \(requireSigning ? "required" : "if_required")
           client min protocol = NT1
           client max protocol = SMB3

        """
        var template = Array("/tmp/migrate-smbclient-XXXXXX.conf".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 5) }
        guard fd >= 0 else { return }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        csmb_smbc_setConfiguration(ctx, path)
        unlink(path)
    }
}
