import Foundation
import MigratePlan
import SMBKit

/// Why a server's password could not be had. Bad input: exit 2.
public struct SecretError: Error, CustomStringConvertible {
    public var server: String
    public var message: String
    public var description: String { "server '\(server)': \(message)" }
}

/// Turns a plan's credential reference into credentials. Passwords come from the environment
/// or from a file only its owner can read; they are never printed.
public enum Secrets {
    public static func credentials(for server: Server, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SMBCredentials {
        try credentials(for: server.migrationAccount, of: server, environment: environment)
    }

    /// The server administrator's credentials (the `admin` account, else the migration account).
    public static func administrator(of server: Server, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SMBCredentials {
        try credentials(for: server.administrator, of: server, environment: environment)
    }

    public static func credentials(for account: Account, of server: Server, environment: [String: String]) throws -> SMBCredentials {
        switch account.secret {
        case .kerberos:
            return SMBCredentials(domain: account.domain, user: account.user, password: "", kerberos: true)
        case .environment(let name):
            guard let pw = environment[name], !pw.isEmpty else {
                throw SecretError(server: server.name, message: "environment variable \(name) (password_env) is not set")
            }
            return SMBCredentials(domain: account.domain, user: account.user, password: pw)
        case .file(let path):
            var st = stat()
            guard lstat(path, &st) == 0 else {
                throw SecretError(server: server.name, message: "password file \(path): \(String(cString: strerror(errno)))")
            }
            if (st.st_mode & S_IFMT) != S_IFREG {
                throw SecretError(server: server.name, message: "password file \(path) is not a regular file")
            }
            // Someone else's file could be swapped for another password (or read by its owner).
            if st.st_uid != getuid() {
                throw SecretError(server: server.name, message: "password file \(path) belongs to uid \(st.st_uid), not to the user running migrate (uid \(getuid()))")
            }
            if st.st_mode & 0o077 != 0 {
                throw SecretError(server: server.name, message: "password file \(path) is readable by others (mode \(String(st.st_mode & 0o777, radix: 8)))",
                )
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw SecretError(server: server.name, message: "password file \(path) cannot be read")
            }
            let pw = text.trimmingCharacters(in: .newlines)
            guard !pw.isEmpty else { throw SecretError(server: server.name, message: "password file \(path) is empty") }
            return SMBCredentials(domain: account.domain, user: account.user, password: pw)
        }
    }

    /// Every password file the plan names (migration and admin accounts), checked as a run would
    /// read them: `plan --validate-only`. Environment variables are not required there (the
    /// plan may be checked on another machine than the one that runs it).
    public static func checkFiles(of plan: Plan) -> [SecretError] {
        var errors: [SecretError] = []
        for s in plan.servers {
            for account in [s.migrationAccount] + (s.admin.map { [$0] } ?? []) {
                guard case .file = account.secret else { continue }
                do { _ = try credentials(for: account, of: s, environment: [:]) } catch let e as SecretError { errors.append(e) } catch {}
            }
        }
        return errors
    }
}
