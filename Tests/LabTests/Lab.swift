import Foundation
import MigrateCore
import SMBKit
import TreeConformance
import XCTest

/// The running lab (Lab/lab.sh up && Lab/lab.sh seed) and what the seed says it made.
enum Lab {
    static let root = ProcessInfo.processInfo.environment["MIGRATE_LAB_ROOT"] ?? "/tmp/migrate-lab"
    static let legacy = "127.0.0.21"
    static let modern = "127.0.0.22"
    /// A modern server on which every session must sign.
    static let signed = "127.0.0.23"
    /// LEGACY's shares served as a 2003 domain controller: SMB1, every session must sign.
    static let legacyDC = "127.0.0.24"

    /// Skips when the lab is not up, unless MIGRATE_REQUIRE_LAB is set (the test script sets it),
    /// so a lab that failed to start fails the run instead of skipping it.
    static func missing(_ what: String) -> Error {
        let message = "lab not set up (\(what)): run Lab/lab.sh up && Lab/lab.sh seed"
        if ProcessInfo.processInfo.environment["MIGRATE_REQUIRE_LAB"] != nil { return LabMissing(message: message) }
        return XCTSkip(message)
    }

    struct LabMissing: Error, CustomStringConvertible { var message: String; var description: String { message } }

    static func password(_ user: String = "migrator") throws -> String {
        let path = "\(root)/secrets/\(user).pw"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw missing("no \(path)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func credentials(_ user: String = "migrator") throws -> SMBCredentials {
        SMBCredentials(user: user, password: try password(user))
    }

    static func share(_ host: String, _ name: String, user: String = "migrator") throws -> SMBShare {
        SMBShare(host: host, share: name, context: try SMBContext(credentials: try credentials(user)))
    }

    struct ManifestEntry: Decodable {
        var path: String
        var kind: String
        var size: UInt64
        var mtime: Int64?
        var btime: Int64?
        var attributes: [String]
        var sha256: String?
    }
    struct ManifestACL: Decodable { var path: String; var sddl: String }
    struct ManifestShare: Decodable { var entries: [ManifestEntry]; var acls: [ManifestACL] }
    struct Manifest: Decodable {
        var principals: [String: String]
        var migrator_sid: String
        var shares: [String: ManifestShare]
    }

    static func manifest() throws -> Manifest {
        let url = URL(fileURLWithPath: "\(root)/legacy/manifest.json")
        guard let data = try? Data(contentsOf: url) else { throw missing("not seeded") }
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    /// Runs an independent Samba tool; returns stdout+stderr and the exit status.
    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> (status: Int32, output: String) { try runTool(tool, args) }

    static func smbclient(_ host: String, _ share: String, _ command: String, user: String = "labadmin") throws -> String {
        try run("smbclient", ["//\(host)/\(share)", "-U", "\(user)%\(password(user))",
                              "--option=client min protocol=NT1", "-c", command]).output
    }
}

/// Walks a share through the direct sessions twice, in the marcher's order (listings started
/// ahead are all used) and in `Tree.walk`'s (some are dropped and listed again), and once through
/// libsmbclient alone; all three must see the same entries.
func assertDirectListingsMatchLibsmbclient(_ host: String, _ name: String, atLeast: Int, file: StaticString = #filePath, line: UInt = #line) throws {
    func key(_ e: Entry) -> String { "\(e.path)|\(e.kind)|\(e.size)|\(e.times.modified?.ticks ?? 0)|\(e.attributes.rawValue)" }
    func sortedWalk(_ tree: SMBShare) throws -> Set<String> {
        var out = Set<String>(), pending = [""]
        while let dir = pending.popLast() {
            var children: [String] = []
            try tree.list(dir) { e in out.insert(key(e)); if e.kind == .directory { children.append(e.path) } }
            pending.append(contentsOf: children.sorted(by: >))
        }
        return out
    }
    func treeWalk(_ tree: SMBShare) throws -> Set<String> {
        var out = Set<String>()
        try tree.walk(onError: { throw $0 }) { e in out.insert(key(e)); return true }
        return out
    }
    let inOrder = try sortedWalk(try Lab.share(host, name))
    let otherOrder = try treeWalk(try Lab.share(host, name))
    setenv("MIGRATE_DIRECT_SMB", "0", 1)
    defer { unsetenv("MIGRATE_DIRECT_SMB") }
    let reference = try treeWalk(try Lab.share(host, name))
    XCTAssertGreaterThanOrEqual(reference.count, atLeast, file: file, line: line)
    XCTAssertEqual(inOrder, reference, file: file, line: line)
    XCTAssertEqual(otherOrder, reference, file: file, line: line)
}
