import Foundation
import MigrateCore
import Yams

/// Turns the YAML node tree into a `Plan`, section by section.
final class PlanBuilder {
    let file: String
    let base: String
    let sink = ProblemSink()
    var safety: PlanSafety { PlanSafety(sink: sink) }

    init(file: String, base: String) { self.file = file; self.base = base }

    func resolvePath(_ p: String) -> String {
        URL(fileURLWithPath: p.hasPrefix("/") ? p : base + "/" + p).standardizedFileURL.path
    }

    func build(_ root: Node) -> Plan? {
        guard let top = NodeReader(root, sink, what: "the plan") else { return nil }
        let name = top.string("migration", required: true, hint: "a name for this migration, e.g. 'migration: Head office file server'") ?? "migration"
        let slug = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        let catalogText = top.string("catalog")
        if let catalogText, catalogText.trimmingCharacters(in: .whitespaces).isEmpty {
            sink.add(top.value("catalog"), "'catalog' is empty", hint: "name a file, such as catalog: .migrate/finance.sqlite, or leave the key out")
        }
        let catalog = resolvePath(catalogText.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } ?? ".migrate/\(slug).sqlite")
        if catalogText != nil { safety.checkCatalog(catalog, top.value("catalog")) }
        let servers = top.value("servers").map(buildServers) ?? {
            sink.add(root, "missing required key 'servers'", hint: "name each server with its host and account")
            return []
        }()
        let aclNode = top.value("acl")
        let acl = ACLSection(builder: self).build(aclNode)
        var shares: [ShareMapping] = []
        if let list = top.sequence("shares") {
            if list.isEmpty { sink.add(top.value("shares"), "'shares' is empty", hint: "list at least one share to migrate") }
            let built = list.map { ($0, buildShare($0, servers: servers)) }.compactMap { n, s in s.map { ($0, n) } }
            shares = built.map(\.0)
            var seen: [String: Node] = [:]
            for (s, node) in built {
                if seen[s.name.lowercased()] != nil { sink.add(node, "share '\(s.name)' is listed twice") }
                seen[s.name.lowercased()] = node
                if case .localFolder(let folder) = s.target { safety.checkLocalTarget(folder, node.mapping?["target"], planFile: file, catalog: catalog) }
            }
            safety.checkOverlaps(shares, built.map(\.1))
        } else if top.value("shares") == nil {
            sink.add(root, "missing required key 'shares'", hint: "list the shares to migrate, each with source and target")
        }
        let cutover = CutoverSection(builder: self).build(top.value("cutover"))
        let dfs = top.value("dfs").flatMap { buildDFS($0, servers: servers) }
        top.rejectUnknownKeys("the plan")
        if dfs == nil, let s = shares.first(where: { $0.dfsLink != nil }) {
            sink.add(top.node, "share '\(s.name)' names a dfs_link but the plan has no 'dfs' section")
        }
        return Plan(name: name, file: file, catalogPath: catalog, servers: servers, shares: shares, acl: acl,
                    cutover: cutover, dfs: dfs)
    }

    func buildServers(_ node: Node) -> [Server] {
        guard let m = node.mapping else {
            sink.add(node, "'servers' must map a name to each server", hint: "servers:\n      legacy:\n        host: fs2003.corp.example")
            return []
        }
        var out: [Server] = []
        for (k, v) in m {
            guard let name = k.string, let r = NodeReader(v, sink, what: "server '\(k.string ?? "?")'") else { continue }
            let host = r.string("host", required: true, hint: "DNS name or IP address of the server") ?? ""
            if host.contains("/") || host.contains("\\") {
                sink.add(r.value("host"), "'host' must be a bare host name, not a UNC path", hint: "host: fs2003.corp.example")
            } else if !host.isEmpty {
                safety.checkHost(host, r.value("host"))
            }
            let user = r.string("user", required: true, hint: "the migration account, e.g. user: svc-migrate") ?? ""
            let domain = r.string("domain") ?? ""
            let secret = buildSecret(r, v, what: "server '\(name)'")
            var admin: Account?
            if let a = r.value("admin"), let ar = NodeReader(a, sink, what: "'admin' of server '\(name)'") {
                let adminUser = ar.string("user", required: true, hint: "the server administrator, e.g. user: CORP\\fs-admin") ?? ""
                let adminSecret = buildSecret(ar, a, what: "the admin account of server '\(name)'")
                admin = Account(domain: ar.string("domain") ?? domain, user: adminUser, secret: adminSecret)
                ar.rejectUnknownKeys("admin")
            }
            let encryption: Server.Encryption = r.choice("encryption", default: .auto)
            let signing = r.string("signing") ?? "auto"
            if !["auto", "required"].contains(signing.lowercased()) {
                sink.add(r.value("signing"), "'signing' has unknown value '\(signing)'", hint: "one of: auto, required")
            }
            r.rejectUnknownKeys("server '\(name)'")
            out.append(Server(name: name, host: host, domain: domain, user: user, secret: secret,
                              encryption: encryption, requireSigning: signing.lowercased() == "required", admin: admin))
        }
        return out
    }

    /// One of password_env, password_file, kerberos (never a password in the plan).
    func buildSecret(_ r: NodeReader, _ v: Node, what: String) -> Server.Secret {
        var secrets: [Server.Secret] = []
        if let env = r.string("password_env") {
            if env.isEmpty || !env.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) || env.first!.isNumber {
                sink.add(r.value("password_env"), "'password_env' must name an environment variable ('\(PlanSafety.shown(env))')",
                         hint: "letters, digits and '_', such as password_env: MIGRATE_OLD_PW")
            }
            secrets.append(.environment(env))
        }
        if let f = r.string("password_file") {
            if f.isEmpty { sink.add(r.value("password_file"), "'password_file' is empty", hint: "the path of a file only its owner can read") }
            secrets.append(.file(resolvePath(f)))
        }
        if r.bool("kerberos", default: false) { secrets.append(.kerberos) }
        if let p = r.value("password") {
            sink.add(p, "passwords never go in the plan file",
                     hint: "use password_env: VARIABLE or password_file: /path/readable/by/owner/only")
        }
        if secrets.count > 1 {
            sink.add(v, "\(what) names more than one of password_env, password_file, kerberos")
        } else if secrets.isEmpty && r.value("password") == nil {
            sink.add(v, "\(what) has no credentials", hint: "add password_env, password_file or kerberos: true")
        }
        return secrets.first ?? .kerberos
    }

    /// `\\host\share\sub` or `//host/share/sub`; host is a server name or host of the plan.
    func location(_ text: String, _ node: Node?, servers: [Server], what: String) -> ShareLocation? {
        let parts = text.replacingOccurrences(of: "\\", with: "/").split(separator: "/").map(String.init)
        guard text.hasPrefix("\\\\") || text.hasPrefix("//"), parts.count >= 2 else {
            sink.add(node, "\(what) '\(text)' is not a UNC path", hint: "write '\\\\server\\share' (single-quoted) or //server/share")
            return nil
        }
        let hostPart = parts[0]
        guard let server = servers.first(where: { $0.name.caseInsensitiveCompare(hostPart) == .orderedSame })
                ?? servers.first(where: { $0.host.caseInsensitiveCompare(hostPart) == .orderedSame }) else {
            sink.add(node, "\(what) '\(text)' names server '\(hostPart)', which is not under 'servers'",
                     hint: "known servers: " + servers.map(\.name).joined(separator: ", "))
            return nil
        }
        let loc = ShareLocation(server: server.name, host: server.host, share: parts[1],
                                subpath: parts.dropFirst(2).joined(separator: "/"))
        safety.checkLocation(loc, node, what: what)
        return loc
    }

    func buildShare(_ node: Node, servers: [Server]) -> ShareMapping? {
        guard let r = NodeReader(node, sink, what: "a share") else { return nil }
        let sourceText = r.string("source", required: true, hint: "source: '\\\\legacy\\Finance'")
        let targetText = r.string("target", required: true, hint: "target: '\\\\modern\\Finance' or a local folder")
        let source = sourceText.flatMap { location($0, r.value("source"), servers: servers, what: "source") }
        var target: ShareLocation?
        var folder: String?
        if let t = targetText {
            if t.hasPrefix("\\\\") || t.hasPrefix("//") { target = location(t, r.value("target"), servers: servers, what: "target") }
            else { folder = resolvePath(t) }
        }
        // The default name: the share, or the mapped folder's own name.
        let name = r.string("name") ?? source.map { $0.subpath.isEmpty ? $0.share : String($0.subpath.split(separator: "/").last!) } ?? "share"
        var include: [String] = [], exclude: [String] = []
        for (key, into) in [("include", 0), ("exclude", 1)] {
            for (pattern, n) in r.strings(key) {
                if let why = PathFilter.problem(in: pattern) { sink.add(n, "bad \(key) pattern '\(pattern)': \(why)") }
                if into == 0 { include.append(pattern) } else { exclude.append(pattern) }
            }
        }
        let link = r.string("dfs_link")
        let fat = r.bool("fat_times", default: false)
        let mirror = r.bool("mirror", default: true)
        r.rejectUnknownKeys("share '\(name)'")
        if let s = source, let t = target, s.host == t.host, s.share.lowercased() == t.share.lowercased(), s.subpath.lowercased() == t.subpath.lowercased() {
            sink.add(r.value("target"), "source and target are the same share", hint: "the target must be on the new server")
        }
        guard let source, let endpoint = target.map(Endpoint.share) ?? folder.map(Endpoint.localFolder) else { return nil }
        return ShareMapping(name: name, source: source, target: endpoint,
                            filter: PathFilter(include: include, exclude: exclude), dfsLink: link, fatTimes: fat, mirror: mirror)
    }

    func buildDFS(_ node: Node, servers: [Server]) -> DFSNamespace? {
        guard let r = NodeReader(node, sink, what: "'dfs'") else { return nil }
        let rootText = r.string("namespace", required: true, hint: "namespace: '\\\\modern\\files'")
        let provider: DFSNamespace.Provider = r.choice("provider", default: .samba)
        let command = r.string("powershell")
        if command != nil && provider != .windows {
            sink.add(r.value("powershell"), "'powershell' is only for provider: windows")
        }
        r.rejectUnknownKeys("dfs")
        guard let rootText, let root = location(rootText, r.value("namespace"), servers: servers, what: "namespace") else { return nil }
        return DFSNamespace(root: root, provider: provider, powershell: command)
    }
}
