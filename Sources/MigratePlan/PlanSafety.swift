import Foundation
import MigrateCore
import Yams

/// The checks that keep a plan from destroying data or reaching the wrong place: names the
/// servers could never have, targets that overlap (with mirroring each pass would delete the
/// other's files), local targets that hold the system, the plan or its catalog.
struct PlanSafety {
    let sink: ProblemSink

    /// A DNS name, an IPv4 or an IPv6 address (no port: SMB is 445).
    func checkHost(_ host: String, _ node: Node?) {
        if host.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } ?? false }) {
            sink.add(node, "'host' contains spaces or control characters", hint: "a DNS name such as fs2003.corp.example or an IP address")
            return
        }
        let colons = host.filter { $0 == ":" }.count
        if colons == 1 {
            sink.add(node, "'host' must not carry a port ('\(Self.shown(host))')", hint: "SMB always uses port 445; write the host alone")
            return
        }
        if colons > 1 {
            // IPv6: hex digits, colons, dots for an embedded IPv4, optionally in brackets.
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            if !bare.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) {
                sink.add(node, "'host' is not a valid IPv6 address ('\(Self.shown(host))')")
            }
            return
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let valid = host.count <= 253 && labels.allSatisfy { l in
            !l.isEmpty && l.count <= 63 && l.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
        }
        if !valid { sink.add(node, "'host' is not a valid host name ('\(Self.shown(host))')", hint: "letters, digits, '-' and '.', such as fs2003.corp.example") }
    }

    /// A share name Windows allows (at most 80 characters, none of `"/\[]:|<>+=;,*?`, no control
    /// characters, not `.` or `..`) and folder names without `.`/`..` or control characters.
    func checkLocation(_ loc: ShareLocation, _ node: Node?, what: String) {
        let share = loc.share
        let forbidden = Set("\"/\\[]:|<>+=;,*?")
        if share == "." || share == ".." || share.count > 80 || share.contains(where: { forbidden.contains($0) || Self.isControl($0) }) {
            sink.add(node, "\(what) names the share '\(Self.shown(share))', which no server can have",
                     hint: "a share name has at most 80 characters and none of \" / \\ [ ] : | < > + = ; , * ? or control characters")
        }
        for part in loc.subpath.split(separator: "/", omittingEmptySubsequences: false) where !loc.subpath.isEmpty {
            if part.isEmpty || part == "." || part == ".." || part.contains(where: Self.isControl) || part.contains(":") {
                sink.add(node, "\(what) has the folder name '\(Self.shown(String(part)))', which cannot be used",
                         hint: "folder names without '.', '..', ':' or control characters")
                break
            }
        }
    }

    /// Local folders a pass may never mirror into: the file system's root and system folders,
    /// and any folder holding the plan or its catalog (a mirror pass would delete them).
    func checkLocalTarget(_ folder: String, _ node: Node?, planFile: String, catalog: String) {
        let system = ["/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys", "/usr", "/var", "/home"]
        if system.contains(folder) {
            sink.add(node, "the local target '\(folder)' is a system folder", hint: "name a folder of its own, such as /srv/migration/Finance")
            return
        }
        for (path, what) in [(planFile, "the plan file"), (catalog, "the catalog")] where Self.isInside(path, folder) {
            sink.add(node, "the local target '\(folder)' holds \(what) (\(path)): a mirror pass would delete it",
                     hint: "name a folder of its own, outside the plan's folder")
            return
        }
    }

    /// A path for the SQLite file: not a folder, not a device, not inside /proc or /sys.
    func checkCatalog(_ path: String, _ node: Node?) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            sink.add(node, "the catalog '\(path)' is a folder", hint: "name a file, such as catalog: .migrate/finance.sqlite")
            return
        }
        if ["/dev", "/proc", "/sys"].contains(where: { Self.isInside(path, $0) }) {
            sink.add(node, "the catalog '\(path)' is not a place for a database file", hint: "name a file, such as catalog: .migrate/finance.sqlite")
            return
        }
        var st = stat()
        if lstat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            sink.add(node, "the catalog '\(path)' exists and is not a regular file")
        }
    }

    /// Two mappings that write the same place, or one inside the other: with mirroring each
    /// pass would delete what the other copied.
    func checkOverlaps(_ shares: [ShareMapping], _ nodes: [Node]) {
        func key(_ l: ShareLocation) -> String { "//\(l.host.lowercased())/\(l.share.lowercased())" + (l.subpath.isEmpty ? "" : "/" + l.subpath.lowercased()) }
        func overlap(_ a: String, _ b: String) -> Bool { a == b || Self.isInside(a, b) || Self.isInside(b, a) }
        // Sources: two mappings reading the same folder (or one inside the other) copy it twice.
        var sources: [(key: String, name: String)] = []
        for (s, node) in zip(shares, nodes) {
            let k = key(s.source)
            if let other = sources.first(where: { overlap($0.key, k) }) {
                sink.add(node.mapping?["source"] ?? node, "share '\(s.name)' reads what share '\(other.name)' reads (\(s.source))",
                         hint: "map each source folder once; exclude a subfolder with 'exclude' to map it apart")
            }
            sources.append((k, s.name))
        }
        // A target inside its own source (or the reverse): each pass would copy its own output.
        // (Another mapping's source may be a target: a staged migration, old -> staging -> new.)
        for (s, node) in zip(shares, nodes) {
            guard let t = s.target.share, key(t) != key(s.source), overlap(key(t), key(s.source)) else { continue }
            sink.add(node.mapping?["target"] ?? node, "share '\(s.name)': the target and the source overlap (\(t) and \(s.source))",
                     hint: "the target must be outside its source")
        }
        var targets: [(key: String, name: String)] = []
        var links: [String: String] = [:]
        for (s, node) in zip(shares, nodes) {
            let key = switch s.target {
            case .share(let t): "//\(t.host.lowercased())/\(t.share.lowercased())" + (t.subpath.isEmpty ? "" : "/" + t.subpath.lowercased())
            case .localFolder(let folder): "local:" + folder
            }
            let targetNode = node.mapping?["target"] ?? node
            if let other = targets.first(where: { $0.key == key || Self.isInside(key, $0.key) || Self.isInside($0.key, key) }) {
                sink.add(targetNode, "share '\(s.name)' writes where share '\(other.name)' writes (\(s.targetDescription))",
                         hint: "each share needs a target of its own: with mirroring, each pass would delete the other's files")
            }
            targets.append((key, s.name))
            if let link = s.dfsLink {
                if let other = links[link.lowercased()] {
                    sink.add(node.mapping?["dfs_link"] ?? node, "share '\(s.name)' names the dfs_link '\(link)' that share '\(other)' names",
                             hint: "one DFS link switches to one target")
                }
                links[link.lowercased()] = s.name
            }
        }
    }

    /// `path` is `folder` or below it.
    static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }

    static func isControl(_ c: Character) -> Bool { c.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f } }

    /// A name as it may be shown in a message: control characters escaped, at most 60 characters.
    static func shown(_ s: String) -> String { EntryName.shown(s[...], limit: 60) }
}
