import MigrateCore

/// NT status codes from the direct sessions as typed errors naming where they happened.
enum NTStatus {
    static let success: UInt32 = 0
    static let pending: UInt32 = 0x0000_0103
    static let moreProcessingRequired: UInt32 = 0xC000_0016
    static let bufferOverflow: UInt32 = 0x8000_0005
    static let endOfFile: UInt32 = 0xC000_0011

    static func error(_ status: UInt32, tree: String, path: String, operation: String, otherwise kind: TreeError.Kind = .io) -> TreeError {
        let hex = "0x" + String(status, radix: 16, uppercase: true)
        return TreeError(SMBError.kind(ntStatus: status) ?? kind, tree: tree, path: path, operation: operation,
                         detail: "NT status \(names[status] ?? hex)")
    }

    static let names: [UInt32: String] = [
        0xC000_0022: "ACCESS_DENIED", 0xC000_0034: "OBJECT_NAME_NOT_FOUND", 0xC000_003A: "OBJECT_PATH_NOT_FOUND",
        0xC000_0035: "OBJECT_NAME_COLLISION", 0xC000_0043: "SHARING_VIOLATION", 0xC000_0054: "FILE_LOCK_CONFLICT",
        0xC000_006D: "LOGON_FAILURE", 0xC000_00CC: "BAD_NETWORK_NAME", 0xC000_007F: "DISK_FULL",
        0xC000_0061: "PRIVILEGE_NOT_HELD", 0xC000_000D: "INVALID_PARAMETER", 0xC000_00BA: "FILE_IS_A_DIRECTORY",
        0xC000_0008: "INVALID_HANDLE", 0xC000_0023: "BUFFER_TOO_SMALL", 0xC000_0101: "DIRECTORY_NOT_EMPTY",
        0xC000_0121: "CANNOT_DELETE", 0xC000_0056: "DELETE_PENDING",
        0xC000_006A: "WRONG_PASSWORD", 0xC000_0064: "NO_SUCH_USER", 0xC000_0234: "ACCOUNT_LOCKED_OUT",
        0xC000_0072: "ACCOUNT_DISABLED", 0xC000_0071: "PASSWORD_EXPIRED", 0xC000_0193: "ACCOUNT_EXPIRED",
        0xC000_0224: "PASSWORD_MUST_CHANGE", 0xC000_006E: "ACCOUNT_RESTRICTION", 0xC000_006F: "INVALID_LOGON_HOURS",
    ]
}
