import Glibc
import MigrateCore

/// The one funnel from libsmbclient's errno to a typed `TreeError`.
enum SMBError {
    static func make(_ code: Int32, tree: String, path: String, operation: String, atRoot: Bool = false) -> TreeError {
        let text = code == 0 ? "errno 0 (treated as EACCES)" : "\(String(cString: strerror(code))) (errno \(code))"
        let kind: TreeError.Kind
        switch code {
        case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, EHOSTDOWN, ECONNABORTED: kind = .unreachable
        // A reset while connecting is a refused dialect; later it is a dropped connection.
        case ECONNRESET, EPIPE: kind = atRoot ? .protocolRefused : .unreachable
        case EPROTONOSUPPORT, EPROTO: kind = .protocolRefused
        case EACCES, EPERM, 0: kind = atRoot ? .authenticationFailed : .accessDenied
        case ENOENT: kind = .notFound
        case ENODEV, ENXIO: kind = .shareNotFound
        case EEXIST: kind = .alreadyExists
        case ENOTEMPTY: kind = .notEmpty
        case EBUSY, ETXTBSY, EAGAIN: kind = .busy
        case ENOTSUP, ENOSYS: kind = .notSupported
        case EINVAL: kind = .invalidArgument
        default: kind = .io
        }
        return TreeError(kind, tree: tree, path: path, operation: operation, detail: text)
    }

    /// What an NT status from Samba's own client code (the helpers) means, nil when it says
    /// nothing more specific than an I/O error.
    static func kind(ntStatus code: UInt32) -> TreeError.Kind? {
        switch code {
        case 0xC000_0022, 0xC000_0061: .accessDenied
        case 0xC000_0034, 0xC000_003A, 0xC000_000F: .notFound
        case 0xC000_0043, 0xC000_0054: .busy
        case 0xC000_006D, 0xC000_0064, 0xC000_006A: .authenticationFailed
        case 0xC000_00CC: .shareNotFound
        case 0xC000_0236, 0xC000_023C, 0xC000_00B5, 0xC000_020C, 0xC000_020D, 0xC000_014B, 0xC000_00C9, 0xC000_00C3, 0xC000_0203: .unreachable
        // Not supported, not implemented, an invalid device request or information class: what a
        // server without descriptors or streams (FAT, a NAS with NT ACLs off) answers.
        case 0xC000_00BB, 0xC000_0002, 0xC000_0010, 0xC000_0003: .notSupported
        case 0xC000_0035: .alreadyExists
        case 0xC000_0101: .notEmpty
        case 0xC000_0121: .accessDenied   // CANNOT_DELETE: a read-only file
        case 0xC000_0056: .busy           // DELETE_PENDING
        default: nil
        }
    }
}
