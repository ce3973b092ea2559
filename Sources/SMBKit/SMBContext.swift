import CSMBClient
import Glibc
import MigrateCore

/// One libsmbclient context: its connections, its credentials. Not thread-safe: use one per
/// worker process (libsmbclient 4.17 crashes with contexts on several threads).
public final class SMBContext {
    /// Holds credentials for the C auth callback, which cannot capture.
    final class AuthBox {
        let credentials: SMBCredentials
        init(_ c: SMBCredentials) { credentials = c }
    }

    let ctx: UnsafeMutablePointer<SMBCCTX>
    private let auth: Unmanaged<AuthBox>
    public let credentials: SMBCredentials
    public let options: SMBSessionOptions

    /// Creates a context speaking NT1 up to SMB3 (each server negotiates its best).
    public init(credentials: SMBCredentials, options: SMBSessionOptions = SMBSessionOptions()) throws(TreeError) {
        guard let ctx = smbc_new_context() else {
            throw TreeError(.io, tree: "libsmbclient", operation: "create context", detail: "smbc_new_context returned NULL")
        }
        self.ctx = ctx
        self.credentials = credentials
        self.options = options
        auth = Unmanaged.passRetained(AuthBox(credentials))
        smbc_setOptionUserData(ctx, auth.toOpaque())
        smbc_setFunctionAuthDataWithContext(ctx) { c, _, _, wg, wglen, un, unlen, pw, pwlen in
            guard let c, let raw = smbc_getOptionUserData(c) else { return }
            let creds = Unmanaged<AuthBox>.fromOpaque(raw).takeUnretainedValue().credentials
            copy(creds.domain, into: wg, capacity: wglen)
            copy(creds.user, into: un, capacity: unlen)
            copy(creds.password, into: pw, capacity: pwlen)
        }
        // Never fall back to an anonymous session when the logon fails.
        smbc_setOptionNoAutoAnonymousLogin(ctx, 1)
        smbc_setOptionUseKerberos(ctx, credentials.kerberos ? 1 : 0)
        smbc_setOptionFallbackAfterKerberos(ctx, credentials.kerberos ? 0 : 1)
        smbc_setOptionUseCCache(ctx, credentials.kerberos ? 1 : 0)
        smbc_setOptionFullTimeNames(ctx, 1)
        smbc_setOptionDebugToStderr(ctx, 1)
        switch options.encryption {
        case .auto: break
        case .off: smbc_setOptionSmbEncryptionLevel(ctx, SMBC_ENCRYPTLEVEL_NONE)
        case .desired: smbc_setOptionSmbEncryptionLevel(ctx, SMBC_ENCRYPTLEVEL_REQUEST)
        case .required: smbc_setOptionSmbEncryptionLevel(ctx, SMBC_ENCRYPTLEVEL_REQUIRE)
        }
        smbc_setDebug(ctx, 0)
        guard smbc_init_context(ctx) != nil else {
            let e = errno
            smbc_free_context(ctx, 1)
            auth.release()
            throw SMBError.make(e, tree: "libsmbclient", path: "", operation: "initialise context")
        }
        // Both are process-wide and reset by init: set them after it.
        ClientConfiguration.apply(to: ctx, requireSigning: options.requireSigning)
        smbc_setOptionProtocols(ctx, "NT1", "SMB3")
    }

    deinit {
        smbc_free_context(ctx, 1)
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
        smbc_setConfiguration(ctx, path)
        unlink(path)
    }
}
