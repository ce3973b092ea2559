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
                                   keepSessionsOf: keptAccounts(m.source.server), closeSessions: plan.cutover.closeSessions,
                                   shared: m.source.subpath.isEmpty ? nil : try sharedFreeze(m))
        case .denyWrite:
            DenyWriteFreeze(location: m.source.description, catalog: session.catalog, shareID: try shareID(m),
                            handles: FolderOpenHandles(admin: try admin(m.source.server), share: m.source.share, folder: m.source.subpath,
                                                       keepSessionsOf: keptAccounts(m.source.server)),
                            closeSessions: plan.cutover.closeSessions) { [opener = session.opener] in
                try opener.open(m.source)
            }
        case .command:
            CommandFreeze(command: plan.cutover.freezeCommand ?? "false", host: m.source.host, share: m.source.share)
        }
    }

    /// The other mappings whose sources are folders of the same share, and what their freezes saved.
    func sharedFreeze(_ m: ShareMapping) throws -> SharedShareFreeze {
        let peers = plan.shares.filter {
            $0.name != m.name && $0.source.host.lowercased() == m.source.host.lowercased() && $0.source.share.lowercased() == m.source.share.lowercased()
        }
        let catalog = session.catalog
        let records = { try peers.map { p in (p.name, try catalog.cutover(share: try catalog.shareID(for: p))) } }
        return SharedShareFreeze(peers: peers.map(\.name),
                                 savedOriginal: { try records().compactMap { $0.1?.shareSD }.first },
                                 stillFrozen: { try records().filter { $0.1?.shareSD != nil }.map(\.0) })
    }

    func decommissioner(_ m: ShareMapping) throws -> DecommissionProvider {
        switch plan.cutover.decommission {
        case .disableShare where !m.source.subpath.isEmpty:
            FolderDecommission(location: m.source.description, keepsFrozen: plan.cutover.freeze == .denyWrite)
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

    func newTarget(_ m: ShareMapping) throws -> LinkTarget {
        guard let t = m.target.share else { throw CutoverError.badInput("share \(m.name): its target is a local folder; a cutover needs a target share") }
        return LinkTarget(server: t.host, share: t.share, folder: t.subpath)
    }

    func shareID(_ m: ShareMapping) throws -> Int64 {
        try session.catalog.shareID(for: m)
    }

    func runner(_ m: ShareMapping, clock: CutoverClock, options: CutoverOptions, workers: Int, aclCheck: SyncPass.ACLCheck,
                say: @escaping (String) -> Void) throws -> CutoverRunner {
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
                let policy = try session.policy(for: m)
                let verifier = Verifier(source: source, target: target, mapping: m, policy: policy)
                let repairer = Repairer(mapping: m, source: source, target: target, catalog: session.catalog, policy: policy) { kind, line in
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

    /// Open files and sessions on the source now (the freezes that have the admin pipe).
    func openNow(_ m: ShareMapping) -> [String] {
        var lines: [String] = []
        do {
            switch try freezer(m) {
            case let freeze as SharePermissionsFreeze: try freeze.reportOpenFiles { lines.append($0) }
            case let freeze as DenyWriteFreeze: try freeze.handles?.report { lines.append($0) }
            default: return ["(not listed: the freeze runs an operator command)"]
            }
        } catch { lines.append("could not be listed: \(error)") }
        return lines
    }

    func runbookSection(_ m: ShareMapping) throws -> Runbook.ShareSection {
        let id = try shareID(m)
        let ns = try namespace(m)
        let old = LinkTarget(server: m.source.host, share: m.source.share, folder: m.source.subpath)
        return Runbook.ShareSection(
            mapping: m, state: try CutoverRunner.state(catalog: session.catalog, shareID: id, share: m.name),
            passes: try session.catalog.passes(share: m.name, limit: 20), freeze: try freezer(m).plannedActions(),
            namespace: try ns.map { $0.0.plannedActions($0.1, from: old, to: try newTarget(m)) }, link: ns?.1,
            decommission: try decommissioner(m).plannedActions(), openNow: openNow(m))
    }
}
