import Foundation
import MigrateCore

/// Reads and writes whole security descriptors (control flags such as "protected", and the SACL)
/// through Samba's own client library in a long-lived helper process: libsmbclient's text form
/// loses both. One helper per share and worker, started on first use, so no process is spawned
/// per file. The password reaches it through a pipe, never argv or the environment.
final class SecurityDescriptorChannel {
    struct Endpoint {
        var host: String
        var share: String
        var credentials: SMBCredentials
        var requireSigning: Bool
        var encryption: SMBSessionOptions.Encryption = .auto
        var displayName: String
    }

    let endpoint: Endpoint
    private var helper: HelperProcess?
    /// The account the server says this session belongs to (LSA GetUserName), when it would say.
    private(set) var loggedOnAs: String?

    /// Starts the helper if it is not running (connecting, and asking the server who we are).
    func ensureStarted() throws(TreeError) {
        if helper == nil { try start() }
    }

    /// Whether the account may read SACLs (needs SeSecurityPrivilege); learnt on first try.
    private(set) var saclReadable: Bool?

    init(_ endpoint: Endpoint) { self.endpoint = endpoint }

    deinit { stop() }

    func stop() {
        helper?.stop()
        helper = nil
    }

    static let owner: UInt32 = 1, group: UInt32 = 2, dacl: UInt32 = 4, sacl: UInt32 = 8

    /// Owner, group, DACL and, when the account may read it, the SACL.
    func get(_ path: String) throws(TreeError) -> SecurityDescriptor {
        let base = Self.owner | Self.group | Self.dacl
        if saclReadable != false {
            do {
                let sd = try parse(try getRaw(path, base | Self.sacl), path)
                saclReadable = true
                return sd
            } catch where error.kind == .accessDenied && saclReadable == nil {
                saclReadable = false   // no SeSecurityPrivilege: DACL only from now on
            }
        }
        return try parse(try getRaw(path, base), path)
    }

    /// Sets the parts of `sd` present (owner, group, DACL with its flags, SACL if any).
    func set(_ path: String, _ sd: SecurityDescriptor) throws(TreeError) {
        _ = try request(path, "SET", sd.securityInformation, hex: Hex.encode(sd.selfRelative), operation: "set security descriptor")
    }

    /// The descriptor as the server sent it (self-relative bytes).
    func getRaw(_ path: String, _ info: UInt32) throws(TreeError) -> [UInt8] {
        try request(path, "GET", info, operation: "read security descriptor")
    }

    private func parse(_ bytes: [UInt8], _ path: String) throws(TreeError) -> SecurityDescriptor {
        try SecurityDescriptor.fromWire(bytes, tree: endpoint.displayName, path: path)
    }

    private func request(_ path: String, _ op: String, _ info: UInt32, hex: String? = nil, operation: String) throws(TreeError) -> [UInt8] {
        let wire = path.replacingOccurrences(of: "/", with: "\\")
        var line = "\(op)\t\(wire)\t\(info)"
        if let hex { line += "\t\(hex)" }
        // One retry with a fresh helper: a dropped connection takes the helper with it.
        for attempt in 0..<2 {
            if helper == nil { try start() }
            guard let reply = exchange(line + "\n") else {
                stop()
                if attempt == 0 { continue }
                throw TreeError(.unreachable, tree: endpoint.displayName, path: path, operation: operation, detail: "security helper lost its connection")
            }
            let parts = reply.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if parts.first == "OK" {
                guard parts.count > 1 else { return [] }
                guard let bytes = Hex.decode(parts[1]) else { break }
                return bytes
            }
            let error = Self.error(parts, endpoint.displayName, path, operation)
            // The helper's session died with the server: start a new one.
            if error.kind == .unreachable { stop(); if attempt == 0 { continue } }
            throw error
        }
        throw TreeError(.io, tree: endpoint.displayName, path: path, operation: operation, detail: "bad reply from security helper")
    }

    private func exchange(_ line: String) -> String? {
        guard let helper, helper.send(line) else { return nil }
        return helper.readLine()
    }

    private func start() throws(TreeError) {
        do { helper = try HelperProcess("/usr/bin/python3", ["-c", Self.script], environment: ChildEnvironment.minimal(adding: ["PYTHONUNBUFFERED": "1"]), mergeStderr: false) } catch {
            throw TreeError(.notSupported, tree: endpoint.displayName, operation: "start security helper",
                            detail: "/usr/bin/python3 with python3-samba is needed for security descriptors: \(error)")
        }
        let c = endpoint.credentials
        let config: [String: Any] = ["host": endpoint.host, "share": endpoint.share, "user": c.user, "domain": c.domain,
                                     "password": c.password, "kerberos": c.kerberos, "signing": endpoint.requireSigning,
                                     "encrypt": endpoint.encryption.rawValue]
        let json = (try? JSONSerialization.data(withJSONObject: config)) ?? Data()
        guard let ready = exchange(String(decoding: json, as: UTF8.self) + "\n") else {
            stop()
            throw TreeError(.notSupported, tree: endpoint.displayName, operation: "start security helper",
                            detail: "the helper exited: is python3-samba installed (apt-get install python3-samba)?")
        }
        if ready.hasPrefix("READY") {
            loggedOnAs = ready.split(separator: "\t").dropFirst().first.map(String.init).flatMap { $0 == "?" ? nil : $0 }
        } else {
            stop()
            throw Self.error(ready.split(separator: "\t", omittingEmptySubsequences: false).map(String.init),
                             endpoint.displayName, "", "connect (security helper)")
        }
    }

    static func error(_ parts: [String], _ tree: String, _ path: String, _ op: String) -> TreeError {
        let code = parts.count > 1 ? UInt32(parts[1].replacingOccurrences(of: "0x", with: ""), radix: 16) ?? 0 : 0
        let message = parts.count > 2 ? parts[2] : parts.joined(separator: " ")
        let kind = SMBError.kind(ntStatus: code) ?? .io
        return TreeError(kind, tree: tree, path: path, operation: op, detail: "\(message) (0x\(String(code, radix: 16)))")
    }

    /// The helper: Samba's Python bindings (python3-samba), SMB1 through SMB3.
    static let script = #"""
import sys, json, binascii
try:
    from samba.samba3 import libsmb_samba_internal as libsmb
    from samba.samba3 import param as s3param
    from samba import credentials, ndr, NTSTATUSError
    from samba.dcerpc import security
except Exception as e:
    print("ERR\t0xc00000bb\tpython3-samba is missing: %s" % e, flush=True); sys.exit(1)

def fail(e):
    code = e.args[0] if e.args else 0xc0000001
    msg = e.args[1] if len(e.args) > 1 else str(e)
    print("ERR\t0x%08x\t%s" % (code & 0xffffffff, str(msg).replace("\t", " ").replace("\n", " ")), flush=True)

cfg = json.loads(sys.stdin.readline())
lp = s3param.get_context()
lp.load("/dev/null")
lp.set("client min protocol", "NT1")
lp.set("client max protocol", "SMB3")
lp.set("client signing", "required" if cfg.get("signing") else "if_required")
# libsmbclient only prints a warning when SMB1 cannot encrypt; here "required" really refuses.
lp.set("client smb encrypt", {"required": "required", "desired": "desired", "off": "off"}.get(cfg.get("encrypt"), "default"))
creds = credentials.Credentials()
creds.guess(lp)
creds.set_username(cfg["user"])
creds.set_domain(cfg.get("domain") or "")
if cfg.get("kerberos"):
    creds.set_kerberos_state(credentials.MUST_USE_KERBEROS)
else:
    creds.set_password(cfg["password"])
    creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
try:
    conn = libsmb.Conn(cfg["host"], cfg["share"], lp, creds)
except NTSTATUSError as e:
    fail(e); sys.exit(1)
# Which account did the server log us on as? A server that maps unknown users to guest lets the
# session in silently (modern Windows refuses such logons). LSA GetUserName tells, where allowed.
# AUTHORITY\account, so the domain is compared too (the values are copied out before the
# connection goes: freeing them after it crashes the interpreter at exit).
who = "?"
try:
    from samba.dcerpc import base, lsa
    from samba.param import LoadParm
    lp4 = LoadParm(); lp4.load("/dev/null")
    lp4.set("client min protocol", "NT1"); lp4.set("client max protocol", "SMB3")
    pipe = lsa.lsarpc("ncacn_np:%s" % cfg["host"], lp4, creds)
    account, authority = pipe.GetUserName(None, None, base.ndr_pointer(None))
    name = account.string or ""
    domain = authority.value.string if authority is not None and authority.value is not None else ""
    del account, authority, pipe
    if name and "\t" not in name + domain and "\n" not in name + domain:
        who = (domain + "\\" if domain else "") + name
except Exception:
    who = "?"
print("READY\t" + who, flush=True)

READ = security.SEC_STD_READ_CONTROL
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    try:
        op, path, info = f[0], f[1], int(f[2])
        if op == "GET":
            access = READ | (security.SEC_FLAG_SYSTEM_SECURITY if info & 8 else 0)
            fnum = conn.create(path, DesiredAccess=access, ShareAccess=7, CreateDisposition=1)
            try:
                sd = conn.get_sd(fnum, info)
            finally:
                conn.close(fnum)
            print("OK\t" + binascii.hexlify(ndr.ndr_pack(sd)).decode(), flush=True)
        elif op == "SET":
            sd = ndr.ndr_unpack(security.descriptor, binascii.unhexlify(f[3]))
            # Samba also wants WRITE_DAC (with READ_CONTROL) to set a SACL.
            access = (security.SEC_STD_WRITE_DAC if info & 12 else 0) | (security.SEC_STD_WRITE_OWNER if info & 3 else 0) \
                | (security.SEC_FLAG_SYSTEM_SECURITY | security.SEC_STD_READ_CONTROL if info & 8 else 0)
            fnum = conn.create(path, DesiredAccess=access, ShareAccess=7, CreateDisposition=1)
            try:
                conn.set_sd(fnum, sd, info)
            finally:
                conn.close(fnum)
            print("OK", flush=True)
        else:
            print("ERR\t0xc000000d\tunknown operation", flush=True)
    except NTSTATUSError as e:
        fail(e)
    except Exception as e:
        print("ERR\t0xc0000001\t%s" % str(e).replace("\t", " ").replace("\n", " "), flush=True)
"""#
}
