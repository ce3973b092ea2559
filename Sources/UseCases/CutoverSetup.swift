import Catalog
import Cutover
import Engine
import Foundation
import MigrateCore
import MigratePlan
import Reports
import SMBCutover
import SMBKit

/// Builds a share's cutover from the plan: the providers its methods name, with the servers'
/// administrator accounts, and the steps that need the share's trees (final sync, verify,
/// the decommission audit).
struct CutoverSetup {
    let session: PlanSession
    /// Administrator credentials per server name, resolved up front (a missing one is bad input).
    let admins: [String: SMBCredentials]

    init(session: PlanSession) throws {
        self.session = session
        var admins: [String: SMBCredentials] = [:]
        for s in session.plan.servers { admins[s.name] = try Secrets.administrator(of: s) }
        self.admins = admins
    }

    var plan: Plan { session.plan }

    func admin(_ serverName: String) throws -> SMBServerAdmin {
        guard let server = plan.server(named: serverName), let creds = admins[serverName] else {
            throw CutoverError.badInput("unknown server '\(serverName)'")
        }
        return SMBServerAdmin(host: server.host, credentials: creds)
    }

    /// Sessions of these accounts stay open through a freeze: the migration and admin accounts.
    func keptAccounts(_ serverName: String) -> Set<String> {
        guard let s = plan.server(named: serverName) else { return [] }
        return [s.user.lowercased(), s.administrator.user.lowercased()]
    }

    func freezer(_ m: ShareMapping) throws -> FreezeProvider {
        switch plan.cutover.freeze {
        case .sharePermissions:
            SharePermissionsFreeze(admin: try admin(m.source.server), share: m.source.share,
                                   keepSessionsOf: keptAccounts(m.source.server), closeSessions: plan.cutover.closeSessions)
        case .command:
            CommandFreeze(command: plan.cutover.freezeCommand ?? "false", host: m.source.host, share: m.source.share)
        }
    }

    func decommissioner(_ m: ShareMapping) throws -> DecommissionProvider {
        switch plan.cutover.decommission {
        case .disableShare:
            DisableShareDecommission(admin: try admin(m.source.server), share: m.source.share, keepSessionsOf: keptAccounts(m.source.server))
        case .command:
            CommandDecommission(command: plan.cutover.decommissionCommand ?? "false", host: m.source.host, share: m.source.share)
        }
    }

    func namespace(_ m: ShareMapping) throws -> (NamespaceProvider, String)? {
        guard let dfs = plan.dfs, let link = m.dfsLink else { return nil }
        let provider: NamespaceProvider = switch dfs.provider {
        case .samba: NetDFSNamespace(admin: try admin(dfs.root.server))
        case .windows: dfs.powershell.map { WindowsDFSNamespace(command: $0) } ?? WindowsDFSNamespace()
        }
        return (provider, dfs.linkPath(link))
    }

    /// A folder inside a share on either side cannot be cut over yet: the share-permissions freeze
    /// would freeze every other folder of the share, and a DFS link here names a share.
    func refuseFolderMapping(_ m: ShareMapping) throws {
        if !m.source.subpath.isEmpty {
            throw CutoverError.badInput("share \(m.name): its source \(m.source) is a folder inside a share; its cutover is not supported yet (freezing by share permissions would make all of \\\\\(m.source.host)\\\(m.source.share) read-only). Sync it with `migrate sync`, then freeze and switch it by hand")
        }
        if let t = m.target.share, !t.subpath.isEmpty {
            throw CutoverError.badInput("share \(m.name): its target \(t) is a folder inside a share; a DFS switch to a folder is not supported yet. Sync it with `migrate sync`, then switch users by hand")
        }
    }

    func newTarget(_ m: ShareMapping) throws -> LinkTarget {
        guard let t = m.target.share else { throw CutoverError.badInput("share \(m.name): its target is a local folder; a cutover needs a target share") }
        return LinkTarget(server: t.host, share: t.share)
    }

    func shareID(_ m: ShareMapping) throws -> Int64 {
        try session.catalog.shareID(for: m)
    }

    func runner(_ m: ShareMapping, clock: CutoverClock, options: CutoverOptions, workers: Int, aclCheck: SyncPass.ACLCheck,
                say: @escaping (String) -> Void) throws -> CutoverRunner {
        try refuseFolderMapping(m)
        let id = try shareID(m)
        let ns = try namespace(m)
        let work = CutoverWork(
            finalSync: {
                var o = SyncPass.Options()
                o.retries = 2; o.retryWait = 2
                // The source is frozen and this is the last pass: every descriptor is compared (by default).
                o.aclCheck = aclCheck
                guard let s = SyncShare(m, session: session, options: o, workers: workers).run() else {
                    throw CutoverError.failed("share \(m.name): the final sync could not run")
                }
                return (s.counts.failed + (s.stopped == nil ? 0 : 1), "final sync: \(s.counts.described())")
            },
            verify: {
                let (source, target) = try session.opener.openPair(m)
                // The repair's own log, made when there is something to repair.
                let logPath = session.logFolder + "/repair-\(m.name)-\(fileStamp(milliseconds: true))"
                var log: PassLog?
                let verifier = Verifier(source: source, target: target, mapping: m, policy: plan.acl)
                let repairer = Repairer(mapping: m, source: source, target: target, catalog: session.catalog, policy: plan.acl) { kind, line in
                    if log == nil { log = try? PassLog(path: PassLog.unusedPath(logPath)) }
                    log?.line(kind, line)
                }
                let outcome = try FrozenVerification(verifier: verifier, repairer: repairer).run()
                let header = VerifyReport.Header(migration: plan.name, share: m.name, source: m.source.description, target: m.targetDescription,
                                                 operatorName: options.operatorName, date: clock.now, kind: "cutover verify, source frozen",
                                                 contentCompared: "every file")
                let path = try VerifyReport.write(outcome, header: header, stamp: fileStamp(), to: session.reportFolder)
                return (outcome.isClean, outcome.summary, path)
            },
            sourceChanges: {
                let source = try session.opener.open(m.source)
                return try SourceAudit(source: source, mapping: m, catalog: session.catalog, shareID: id).changes()
            },
            manifest: {
                let source = try session.opener.open(m.source)
                let path = session.reportFolder + "/\(m.name)-manifest-\(fileStamp()).sha256"
                let n = try SourceAudit(source: source, mapping: m, catalog: session.catalog, shareID: id).writeManifest(to: path)
                return (path, n)
            })
        return CutoverRunner(share: m.name, shareID: id, catalog: session.catalog, schedule: WindowSchedule(plan.cutover.windows),
                             clock: clock, options: options, freezer: try freezer(m), namespace: ns?.0, link: ns?.1,
                             newTarget: try newTarget(m), decommissioner: try decommissioner(m), work: work, say: say)
    }

    /// Open files and sessions on the source now (share-permissions freeze only: it has the admin pipe).
    func openNow(_ m: ShareMapping) -> [String] {
        guard let freeze = try? freezer(m) as? SharePermissionsFreeze else { return ["(not listed: the freeze runs an operator command)"] }
        var lines: [String] = []
        do { try freeze.reportOpenFiles { lines.append($0) } } catch { lines.append("could not be listed: \(error)") }
        return lines
    }

    func runbookSection(_ m: ShareMapping) throws -> Runbook.ShareSection {
        try refuseFolderMapping(m)
        let id = try shareID(m)
        let ns = try namespace(m)
        let old = LinkTarget(server: m.source.host, share: m.source.share)
        return Runbook.ShareSection(
            mapping: m, state: try CutoverRunner.state(catalog: session.catalog, shareID: id, share: m.name),
            passes: try session.catalog.passes(share: m.name, limit: 20), freeze: try freezer(m).plannedActions(),
            namespace: try ns.map { try $0.0.plannedActions($0.1, from: old, to: try newTarget(m)) }, link: ns?.1,
            decommission: try decommissioner(m).plannedActions(), openNow: openNow(m))
    }
}
