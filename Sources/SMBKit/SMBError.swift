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
}
