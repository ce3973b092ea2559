import Foundation
import MigrateCore

/// Server administration over the srvsvc and netdfs RPC pipes: share permissions, sessions, open
/// files and DFS link targets. These are what a cutover changes on the servers, so every call
/// is one short-lived Samba Python helper (nothing here is on a hot path) and every failure is a
/// `TreeError` naming the server, the share or link and what the server said.
public final class SMBServerAdmin {
    public struct Session: Sendable, Hashable, Codable {
        public var client: String
        public var user: String
        public var openFiles: Int
        public var seconds: Int
        public var idleSeconds: Int
    }

    public struct OpenFile: Sendable, Hashable, Codable {
        public var id: UInt32
        public var user: String
        public var path: String
        public var locks: Int
        /// Bit 0 read, bit 1 write, bit 2 create (srvsvc's FILE_INFO_3 permissions).
        public var permissions: Int
        public var writing: Bool { permissions & 0x6 != 0 }
    }

    /// One target of a DFS link as netdfs names it.
    public struct DFSTarget: Sendable, Hashable {
        public var server: String
        public var share: String
        public init(server: String, share: String) { self.server = server; self.share = share }
    }

    public let host: String
    let credentials: SMBCredentials
    let displayName: String

    public init(host: String, credentials: SMBCredentials) {
        self.host = host
        self.credentials = credentials
        displayName = "\\\\\(host)"
    }

    // MARK: share permissions

    /// What NetShareGetInfo level 502 tells of a share.
    public struct ShareInfo: Sendable {
        public var name: String
        /// The share's folder as the server names it (`C:\\Data\\Finance`), to tell its open files apart.
        public var path: String
        /// The share's permissions (the share-level descriptor), self-relative bytes; the server
        /// gives them only to its administrators.
        public var descriptor: [UInt8]?
    }

    public func shareInfo(_ share: String) throws(TreeError) -> ShareInfo {
        let r = try call("share_sd", ["share": share], path: share, operation: "read share information")
        return ShareInfo(name: share, path: r["path"] as? String ?? "", descriptor: (r["sd"] as? String).flatMap(Hex.decode))
    }

    /// The permissions in `info`, or why there are none.
    public func security(_ info: ShareInfo) throws(TreeError) -> [UInt8] {
        guard let bytes = info.descriptor else {
            throw TreeError(.accessDenied, tree: displayName, path: info.name, operation: "read share permissions",
                            detail: "the server returned no share descriptor: the account \(credentials) must administer the server")
        }
        return bytes
    }

    /// The share's permissions (the share-level descriptor), self-relative bytes.
    public func shareSecurity(_ share: String) throws(TreeError) -> [UInt8] { try security(try shareInfo(share)) }

    /// Replaces the share's permissions, then reads them back: Samba answers OK to a disk
    /// operator without storing anything, so only the read-back proves the change.
    public func setShareSecurity(_ share: String, _ sd: [UInt8]) throws(TreeError) {
        _ = try call("set_share_sd", ["share": share, "sd": Hex.encode(sd)], path: share, operation: "set share permissions")
        let now = try shareSecurity(share)
        guard now == sd else {
            throw TreeError(.accessDenied, tree: displayName, path: share, operation: "set share permissions",
                            detail: "the server accepted the change but did not keep it: \(credentials) must be an administrator of the server (uid 0 on Samba)")
        }
    }

    // MARK: sessions and open files

    public func sessions() throws(TreeError) -> [Session] {
        let r = try call("sessions", [:], path: "", operation: "list sessions")
        return (r["sessions"] as? [[String: Any]] ?? []).map {
            Session(client: $0["client"] as? String ?? "", user: $0["user"] as? String ?? "", openFiles: $0["open"] as? Int ?? 0,
                    seconds: $0["time"] as? Int ?? 0, idleSeconds: $0["idle"] as? Int ?? 0)
        }
    }

    public func openFiles() throws(TreeError) -> [OpenFile] {
        let r = try call("files", [:], path: "", operation: "list open files")
        return (r["files"] as? [[String: Any]] ?? []).map {
            OpenFile(id: UInt32(truncatingIfNeeded: $0["id"] as? Int ?? 0), user: $0["user"] as? String ?? "",
                     path: $0["path"] as? String ?? "", locks: $0["locks"] as? Int ?? 0, permissions: $0["perms"] as? Int ?? 0)
        }
    }

    /// Closes every session of `user` from `client` (their open files with them).
    public func closeSessions(user: String, client: String) throws(TreeError) {
        _ = try call("close_sessions", ["session_user": user, "client": client], path: "", operation: "close the sessions of \(user) from \(client)")
    }

    /// The sessions of everyone but `accounts` (names compared without domain, ignoring case).
    public func userSessions(except accounts: Set<String>) throws(TreeError) -> [Session] {
        let keep = Set(accounts.map(Self.bareUser))
        return try sessions().filter { !keep.contains(Self.bareUser($0.user)) }
    }

    /// Closes the sessions of everyone but `accounts`, each user and client once; returns them.
    public func closeUserSessions(except accounts: Set<String>) throws(TreeError) -> [Session] {
        var closed: [Session] = []
        var seen = Set<String>()
        for s in try userSessions(except: accounts) where seen.insert("\(s.user)@\(s.client)").inserted {
            try closeSessions(user: s.user, client: s.client)
            closed.append(s)
        }
        return closed
    }

    public static func bareUser(_ name: String) -> String {
        String(name.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last ?? Substring(name)).lowercased()
    }

    // MARK: DFS links

    /// The targets of a DFS link (`\\host\root\link`).
    public func linkTargets(_ link: String) throws(TreeError) -> [DFSTarget] {
        let r = try call("dfs_get", ["path": link], path: link, operation: "read DFS link")
        return (r["targets"] as? [[String: Any]] ?? []).map { DFSTarget(server: $0["server"] as? String ?? "", share: $0["share"] as? String ?? "") }
    }

    public func addLinkTarget(_ link: String, _ target: DFSTarget) throws(TreeError) {
        _ = try call("dfs_add", ["path": link, "server": target.server, "share": target.share], path: link,
                     operation: "add DFS link target \(target)")
    }

    public func removeLinkTarget(_ link: String, _ target: DFSTarget) throws(TreeError) {
        _ = try call("dfs_remove", ["path": link, "server": target.server, "share": target.share], path: link,
                     operation: "remove DFS link target \(target)")
    }

    // MARK: the helper

    private func call(_ op: String, _ args: [String: String], path: String, operation: String) throws(TreeError) -> [String: Any] {
        let helper: HelperProcess
        do { helper = try HelperProcess("/usr/bin/python3", ["-c", Self.script], environment: ChildEnvironment.minimal(adding: ["PYTHONUNBUFFERED": "1"]), mergeStderr: false) } catch {
            throw TreeError(.notSupported, tree: displayName, path: path, operation: operation,
                            detail: "/usr/bin/python3 with python3-samba is needed: \(error)")
        }
        defer { helper.stop() }
        // Credentials under keys of their own, so no operation's argument can replace them.
        var request: [String: Any] = ["host": host, "auth_user": credentials.user, "auth_domain": credentials.domain,
                                      "auth_password": credentials.password, "auth_kerberos": credentials.kerberos, "op": op]
        for (k, v) in args { request[k] = v }
        let json = (try? JSONSerialization.data(withJSONObject: request)) ?? Data()
        guard helper.send(String(decoding: json, as: UTF8.self) + "\n"), let line = helper.readLine(),
              let reply = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw TreeError(.notSupported, tree: displayName, path: path, operation: operation,
                            detail: "the administration helper exited: is python3-samba installed?")
        }
        if reply["ok"] as? Bool == true { return reply }
        let code = reply["code"] as? Int ?? 0
        var message = reply["error"] as? String ?? "unknown error"
        var kind = Self.kind(code)
        // Samba's RPC client words a server that is down oddly ("{Not Enough Quota} Not enough
        // virtual memory"): where port 445 does not answer, say that.
        if kind != .accessDenied && kind != .authenticationFailed {
            do { _ = try TCPTransport(host: host, timeoutSeconds: 5) } catch {
                kind = .unreachable
                message = "\(String(cString: strerror(error.code))) (\(error.operation)); the RPC client said: \(message)"
            }
        }
        if kind == .accessDenied {
            message += "; \(credentials) must administer the server: name an `admin:` account for it in the plan"
        }
        throw TreeError(kind, tree: displayName, path: path, operation: operation, detail: message)
    }

    /// WERROR codes of the RPC pipes, else the NT status the helper passes on.
    static func kind(_ code: Int) -> TreeError.Kind {
        let status = UInt32(truncatingIfNeeded: code)
        switch status {
        case 5: return .accessDenied
        case 0x0000_0906, 2310: return .shareNotFound
        case 2, 3, 0x8007_0002: return .notFound
        case 1326: return .authenticationFailed
        case 53: return .unreachable
        case 87, 124: return .invalidArgument
        default: return SMBError.kind(ntStatus: status) ?? .io
        }
    }

    static let script = #"""
import sys, json, binascii
from samba import param, credentials, ndr, NTSTATUSError, WERRORError
from samba.dcerpc import srvsvc, dfs, security

def reply(**kw):
    kw["ok"] = True
    print(json.dumps(kw), flush=True)

req = json.loads(sys.stdin.readline())
lp = param.LoadParm(); lp.load("/dev/null")
lp.set("client min protocol", "NT1"); lp.set("client max protocol", "SMB3")
creds = credentials.Credentials(); creds.guess(lp)
creds.set_username(req["auth_user"]); creds.set_domain(req.get("auth_domain") or "")
if req.get("auth_kerberos"):
    creds.set_kerberos_state(credentials.MUST_USE_KERBEROS)
else:
    creds.set_password(req["auth_password"]); creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
host, op = req["host"], req["op"]
try:
    if op.startswith("dfs_"):
        c = dfs.netdfs("ncacn_np:%s" % host, lp, creds)
        if op == "dfs_get":
            info = c.GetInfo(req["path"], None, None, 3)
            reply(targets=[{"server": s.server, "share": s.share, "state": s.state} for s in (info.stores or [])])
        elif op == "dfs_add":
            c.Add(req["path"], req["server"], req["share"], None, 0); reply()
        elif op == "dfs_remove":
            c.Remove(req["path"], req["server"], req["share"]); reply()
    else:
        c = srvsvc.srvsvc("ncacn_np:%s" % host, lp, creds)
        if op == "share_sd":
            # Level 1501 reads come back empty through the bindings; 502 carries the descriptor.
            info = c.NetShareGetInfo(host, req["share"], 502)
            sd = info.sd_buf.sd if info.sd_buf and info.sd_buf.sd_size else None
            reply(sd=binascii.hexlify(ndr.ndr_pack(sd)).decode() if sd else None, path=info.path)
        elif op == "set_share_sd":
            buf = security.sec_desc_buf()
            buf.sd = ndr.ndr_unpack(security.descriptor, binascii.unhexlify(req["sd"]))
            c.NetShareSetInfo(host, req["share"], 1501, buf, 0); reply()
        elif op == "sessions":
            ctr = srvsvc.NetSessInfoCtr(); ctr.level = 1; ctr.ctr = srvsvc.NetSessCtr1()
            info, total, resume = c.NetSessEnum(host, None, None, ctr, 0xffffffff, 0)
            reply(sessions=[{"client": s.client, "user": s.user, "open": s.num_open, "time": s.time, "idle": s.idle_time}
                            for s in (info.ctr.array or [])])
        elif op == "files":
            ctr = srvsvc.NetFileInfoCtr(); ctr.level = 3; ctr.ctr = srvsvc.NetFileCtr3()
            info, total, resume = c.NetFileEnum(host, None, None, ctr, 0xffffffff, 0)
            reply(files=[{"id": f.fid, "user": f.user, "path": f.path, "locks": f.num_locks, "perms": f.permissions}
                         for f in (info.ctr.array or [])])
        elif op == "close_sessions":
            client = req["client"]
            c.NetSessDel(host, client if client.startswith("\\\\") else "\\\\" + client, req["session_user"]); reply()
        else:
            print(json.dumps({"ok": False, "code": 87, "error": "unknown operation " + op}), flush=True)
except (WERRORError, NTSTATUSError) as e:
    code = e.args[0] if e.args else 0
    msg = e.args[1] if len(e.args) > 1 else str(e)
    print(json.dumps({"ok": False, "code": code & 0xffffffff, "error": str(msg)}), flush=True)
except Exception as e:
    print(json.dumps({"ok": False, "code": 0xc0000001, "error": str(e)}), flush=True)
"""#
}
