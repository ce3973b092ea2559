import Engine
import LocalTree
import MigrateCore
import MigratePlan
import SMBKit

/// Opens the plan's shares over SMB (one libsmbclient context per server) and local folders.
public final class PlanTreeOpener: TreeOpener {
    public let plan: Plan
    private var credentials: [String: SMBCredentials] = [:]
    private var contexts: [String: SMBContext] = [:]
    /// Servers whose logon failed: not tried again in this run (each failed logon counts towards
    /// the account's lockout on a domain).
    private var refused: [String: TreeError] = [:]

    /// Resolves every server's credentials up front, so a missing password is reported before any work.
    public init(plan: Plan) throws {
        self.plan = plan
        var errors: [SecretError] = []
        for s in plan.servers {
            do { credentials[s.name] = try Secrets.credentials(for: s) } catch let e as SecretError { errors.append(e) }
        }
        if !errors.isEmpty { throw SecretErrors(errors: errors) }
    }

    public func open(_ location: ShareLocation) throws(TreeError) -> any Tree {
        guard let server = plan.server(named: location.server), let creds = credentials[location.server] else {
            throw TreeError(.invalidArgument, tree: location.description, operation: "connect", detail: "unknown server")
        }
        let ctx: SMBContext
        if let c = contexts[server.name] { ctx = c } else {
            let enc = SMBSessionOptions.Encryption(rawValue: server.encryption.rawValue) ?? .auto
            ctx = try SMBContext(credentials: creds, options: SMBSessionOptions(encryption: enc, requireSigning: server.requireSigning))
            contexts[server.name] = ctx
        }
        if let first = refused[server.name] {
            throw TreeError(.authenticationFailed, tree: location.description, operation: "connect",
                            detail: "not tried: the logon to \(server.host) as \(server.account) already failed in this run (\(first.detail)); another attempt could lock the account")
        }
        let share = SMBShare(host: server.host, share: location.share, context: ctx)
        do { try share.connect() } catch {
            if error.kind == .authenticationFailed && !error.detail.contains("guest") { refused[server.name] = error }
            throw error
        }
        // A folder inside the share is a tree of its own (sync makes a missing target folder).
        return location.subpath.isEmpty ? share : SubfolderTree.wrap(share, folder: location.subpath)
    }

    public func openLocal(_ folder: String) throws(TreeError) -> any Tree {
        try LocalFolderTree(root: folder)
    }

    /// The same credentials, contexts and sessions of its own.
    public func independent() throws -> any TreeOpener {
        let o = try PlanTreeOpener(plan: plan, credentials: credentials)
        o.refused = refused
        return o
    }

    private init(plan: Plan, credentials: [String: SMBCredentials]) throws {
        self.plan = plan
        self.credentials = credentials
    }

}

struct SecretErrors: Error, CustomStringConvertible {
    var errors: [SecretError]
    var description: String { errors.map { "error: \($0)" }.joined(separator: "\n") }
}
