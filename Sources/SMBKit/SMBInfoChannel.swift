import Foundation
import MigrateCore

/// Create times and alternate data streams from `smbclient`'s `allinfo`, in one long-lived
/// smbclient session per share and worker. libsmbclient 4.17 returns the write time as the create
/// time over SMB1 and cannot list streams at all; smbclient's own client code can.
final class SMBInfoChannel {
    let endpoint: SecurityDescriptorChannel.Endpoint
    private var helper: HelperProcess?

    init(_ endpoint: SecurityDescriptorChannel.Endpoint) { self.endpoint = endpoint }
    deinit { stop() }

    func stop() {
        helper?.stop()
        helper = nil
    }

    func details(_ path: String) throws(TreeError) -> EntryDetails {
        let wire = path.isEmpty ? "\\" : path.replacingOccurrences(of: "/", with: "\\")
        for attempt in 0..<2 {
            if helper == nil { try start() }
            guard let lines = exchange("allinfo \"\(wire)\"\n") else {
                stop()
                if attempt == 0 { continue }
                throw TreeError(.unreachable, tree: endpoint.displayName, path: path, operation: "read details", detail: "smbclient session ended")
            }
            do { return try Self.parse(lines, tree: endpoint.displayName, path: path) } catch {
                // smbclient does not reconnect: a dropped session needs a new smbclient.
                if error.kind == .unreachable { stop(); if attempt == 0 { continue } }
                throw error
            }
        }
        throw TreeError(.io, tree: endpoint.displayName, path: path, operation: "read details", detail: "unreachable")
    }

    static func parse(_ lines: [String], tree: String, path: String) throws(TreeError) -> EntryDetails {
        var details = EntryDetails(created: nil)
        var sawTimes = false
        for line in lines {
            if line.hasPrefix("create_time:") {
                sawTimes = true
                details.created = parseTime(String(line.dropFirst("create_time:".count)))
            } else if line.hasPrefix("stream: [") {
                // stream: [:name:$DATA], 123 bytes   ("::$DATA" is the main stream)
                guard let close = line.firstIndex(of: "]") else { continue }
                let inner = line[line.index(line.startIndex, offsetBy: 9)..<close]
                let size = UInt64(line[line.index(after: close)...].filter(\.isNumber)) ?? 0
                var name = inner.hasPrefix(":") ? inner.dropFirst() : inner
                if name.hasSuffix(":$DATA") { name = name.dropLast(6) }
                if !name.isEmpty { details.streams.append(.init(name: String(name), size: size)) }
            } else if let r = line.range(of: "NT_STATUS_") {
                let status = line[r.lowerBound...].prefix { $0 != " " }
                if !sawTimes { throw TreeError(kind(String(status)), tree: tree, path: path, operation: "read details", detail: String(status)) }
            }
        }
        return details
    }

    static func kind(_ status: String) -> TreeError.Kind {
        switch status {
        case "NT_STATUS_ACCESS_DENIED": .accessDenied
        case "NT_STATUS_OBJECT_NAME_NOT_FOUND", "NT_STATUS_OBJECT_PATH_NOT_FOUND", "NT_STATUS_NO_SUCH_FILE": .notFound
        case "NT_STATUS_SHARING_VIOLATION": .busy
        case "NT_STATUS_NOT_SUPPORTED", "NT_STATUS_NOT_IMPLEMENTED", "NT_STATUS_INVALID_INFO_CLASS", "NT_STATUS_INVALID_DEVICE_REQUEST": .notSupported
        case "NT_STATUS_CONNECTION_DISCONNECTED", "NT_STATUS_CONNECTION_RESET", "NT_STATUS_PIPE_BROKEN", "NT_STATUS_IO_TIMEOUT",
             "NT_STATUS_NETWORK_NAME_DELETED", "NT_STATUS_INVALID_NETWORK_RESPONSE", "NT_STATUS_CONNECTION_REFUSED": .unreachable
        default: .io
        }
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "Wed Sep  1 09:00:00 2010 UTC" (smbclient prints UTC when TZ=UTC).
    static func parseTime(_ text: String) -> Timestamp? {
        let f = text.split(separator: " ")
        guard f.count >= 5, let month = months.firstIndex(of: String(f[1])), let day = Int(f[2]), let year = Int(f[4]) else { return nil }
        let hms = f[3].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3 else { return nil }
        return Timestamp(year: year, month: month + 1, day: day, hour: hms[0], minute: hms[1], second: hms[2])
    }

    /// Sends one allinfo and collects its output. smbclient reads stdin in chunks but polls again
    /// after each command, so a second command must not be written until the first is being
    /// answered: `pwd` goes out once the attributes line (or an error) arrived, and its reply
    /// marks the end (stream lines may come between).
    private func exchange(_ command: String) -> [String]? {
        guard let helper, helper.send(command) else { return nil }
        var lines: [String] = []
        var sentMarker = false
        while let line = helper.readLine() {
            if sentMarker && line.hasPrefix("Current directory is ") { return lines }
            lines.append(line)
            if !sentMarker && (line.hasPrefix("attributes:") || line.contains("NT_STATUS_")) {
                guard helper.send("pwd\n") else { return nil }
                sentMarker = true
            }
        }
        return nil
    }

    private func start() throws(TreeError) {
        let c = endpoint.credentials
        // Line-buffered stdout: smbclient's replies must reach us before its buffer fills.
        var args = ["-oL", "/usr/bin/smbclient", "//\(endpoint.host)/\(endpoint.share)",
                    "--option=client min protocol=NT1", "--option=client max protocol=SMB3",
                    "--option=client signing=\(endpoint.requireSigning ? "required" : "if_required")"]
        if c.kerberos { args += ["--use-kerberos=required", "-U", c.user] }
        else { args += ["-U", c.user] }
        if !c.domain.isEmpty { args += ["-W", c.domain] }
        // Our secrets stay with us: smbclient gets its own password and what it needs to run.
        let env = ChildEnvironment.minimal(adding: ["PASSWD": c.password, "TZ": "UTC"])   // PASSWD: never on the command line
        do { helper = try HelperProcess("/usr/bin/stdbuf", args, environment: env, mergeStderr: true) } catch {
            throw TreeError(.notSupported, tree: endpoint.displayName, operation: "start smbclient", detail: "\(error) (apt-get install smbclient)")
        }
        // smbclient greets with 'Try "help"…' once the tree is connected.
        var seen: [String] = []
        while let line = helper?.readLine() {
            if line.hasPrefix("Try \"help\"") { return }
            seen.append(line)
        }
        stop()
        let status = seen.compactMap { l in l.range(of: "NT_STATUS_").map { String(l[$0.lowerBound...].prefix { $0 != " " }) } }.first ?? "smbclient exited"
        throw TreeError(Self.kind(status), tree: endpoint.displayName, operation: "connect (smbclient)", detail: status)
    }
}
