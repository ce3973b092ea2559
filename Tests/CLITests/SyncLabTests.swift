import Foundation
import MigrateCore
import XCTest

/// `migrate sync` end to end on the lab, checked with smbclient and smbcacls.
final class SyncLabTests: CLITestCase {
    var labRoot: String { Self.labRoot }
    var legacy = "127.0.0.21", modern = "127.0.0.22"

    func password(_ user: String = "labadmin") throws -> String {
        try String(contentsOfFile: "\(labRoot)/secrets/\(user).pw", encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    @discardableResult
    func run(_ tool: String, _ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func smbclient(_ host: String, _ share: String, _ commands: String) throws -> String {
        try run("smbclient", ["//\(host)/\(share)", "-U", "labadmin%\(try password())", "--option=client min protocol=NT1", "-c", commands],
                env: ["TZ": "UTC"]).1
    }

    /// smbcacls --numeric, parsed: CONTROL and the descriptor.
    func acl(_ host: String, _ share: String, _ path: String) throws -> (UInt16, SecurityDescriptor) {
        let out = try run("smbcacls", ["//\(host)/\(share)", path, "-U", "labadmin%\(try password())", "--option=client min protocol=NT1",
                                       "--numeric", "--query-security-info=15"]).1
        var control: UInt16 = 0
        var fields: [String] = []
        for line in out.split(separator: "\n") {
            if line.hasPrefix("CONTROL:0x") { control = UInt16(line.dropFirst(10), radix: 16) ?? 0 }
            else if ["REVISION:", "OWNER:", "GROUP:", "ACL:"].contains(where: { line.hasPrefix($0) }) { fields.append(String(line)) }
        }
        return (control, try SecurityDescriptor(libsmbclientText: fields.joined(separator: ",")))
    }

    /// `recurse; ls` of a whole share: path -> "attrs size mtime" (folders without size/time: Samba moves them).
    func listing(_ host: String, _ share: String) throws -> [String: String] {
        var out: [String: String] = [:]
        var dir = ""
        for raw in try smbclient(host, share, "recurse; ls").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("\\") { dir = String(line.dropFirst()).replacingOccurrences(of: "\\", with: "/"); continue }
            guard line.hasPrefix("  "), let m = line.range(of: #"\s+([A-Z]*)\s+(\d+)\s+(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})$"#, options: .regularExpression) else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 2)..<m.lowerBound])
            if name == "." || name == ".." { continue }
            let fields = line[m].split(separator: " ", omittingEmptySubsequences: true)
            let attrs = fields.count == 7 ? String(fields[0]) : ""
            let size = fields[fields.count - 6]
            let time = fields.suffix(5).joined(separator: " ")
            out[dir.isEmpty ? name : dir + "/" + name] = attrs.contains("D") ? attrs : "\(attrs) \(size) \(time)"
        }
        return out
    }

    func labPlan(_ dir: URL) throws -> String {
        let plans = Self.repo.appendingPathComponent("Plans")
        for f in ["lab-principals.csv", "lab-sidmap.csv"] {
            try FileManager.default.copyItem(at: plans.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let text = try String(contentsOf: plans.appendingPathComponent("lab.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "catalog: ../.migrate/lab.sqlite", with: "catalog: catalog.sqlite")
        let path = dir.appendingPathComponent("lab.yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    func wipeTarget(_ shares: [String]) throws {
        for s in shares {
            let dir = "\(labRoot)/modern/share/\(s)"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                try FileManager.default.removeItem(atPath: dir + "/" + child)
            }
        }
    }

    static let sidMap: [String: String] = {
        var map: [String: String] = [:]
        let old = "S-1-5-21-1004336348-1177238915-682003330", new = "S-1-5-21-2610735126-3353893720-2480147207"
        for (a, b) in [("512", "512"), ("513", "513"), ("1105", "2105"), ("1106", "2106"), ("1107", "2107"), ("1108", "2108"),
                       ("1110", "3110"), ("1111", "3111"), ("1112", "3112")] { map["\(old)-\(a)"] = "\(new)-\(b)" }
        map["S-1-5-21-1111111111-2222222222-3333333333-1000"] = "S-1-5-21-1444444444-1555555555-1666666666-1000"
        map["S-1-5-21-1111111111-2222222222-3333333333-1001"] = "S-1-5-21-1444444444-1555555555-1666666666-1001"
        map["S-1-5-21-1111111111-2222222222-3333333333-513"] = "S-1-5-21-1444444444-1555555555-1666666666-513"
        return map
    }()

    func assertSameACL(_ share: String, _ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (sc, sd) = try acl(legacy, share, path)
        let (tc, td) = try acl(modern, share, path)
        let mapped = sd.mappingSIDs { SID(Self.sidMap[$0.description] ?? $0.description) }
        XCTAssertEqual(tc & 0x1000, sc & 0x1000, "\(share)/\(path): protected flag", file: file, line: line)
        XCTAssertEqual(td.owner, mapped.owner, "\(share)/\(path): owner", file: file, line: line)
        XCTAssertEqual(td.group, mapped.group, "\(share)/\(path): group", file: file, line: line)
        XCTAssertEqual(Set(td.dacl ?? []), Set(mapped.dacl ?? []), "\(share)/\(path): DACL", file: file, line: line)
    }

    func testFullSyncOfTheLabMakesTheTargetEqualThenDeltaFindsNothing() throws {
        try requireLab()
        let dir = try scratch()
        let plan = try labPlan(dir)
        try wipeTarget(["Finance", "Projects", "Users"])

        var r = try migrate(["sync", plan])
        XCTAssertEqual(r.status, 1, "kbrown's folder cannot be read, so the run is not clean\n\(r.stdout)\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("failed: Users: list source kbrown"), r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (full): copied 65"), r.stdout)

        // Every name, size, write time and attribute, as an independent client lists them.
        for share in ["Finance", "Projects", "Users"] {
            var source = try listing(legacy, share)
            if share == "Finance" { source = source.filter { !$0.key.hasSuffix("~$Forecast.doc") } }
            if share == "Users" { source = source.filter { !$0.key.hasPrefix("kbrown/") } }
            let target = try listing(modern, share)
            XCTAssertEqual(source.count, target.count, share)
            for (path, value) in source where target[path] != value {
                XCTFail("\(share)/\(path): source \(value), target \(target[path] ?? "missing")")
            }
        }
        // Create times (SMB1 source), content and ACLs after mapping.
        let info = try smbclient(modern, "Finance", "allinfo \"Budget 2011.xls\"")
        XCTAssertTrue(info.contains("create_time:    Wed Sep  1 09:00:00 2010 UTC"), info)
        let local = dir.appendingPathComponent("video-1.avi").path
        _ = try smbclient(modern, "Projects", "get \"Media\\video-1.avi\" \"\(local)\"")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(labRoot)/legacy/manifest.json"))) as! [String: Any]
        let projects = ((manifest["shares"] as! [String: Any])["Projects"] as! [String: Any])["entries"] as! [[String: Any]]
        let expected = projects.first { $0["path"] as? String == "Media\\video-1.avi" }!["sha256"] as! String
        XCTAssertTrue(try run("sha256sum", [local]).1.hasPrefix(expected))
        for (share, path) in [("Finance", "Payroll"), ("Finance", "Budget 2011.xls"), ("Finance", "Payroll/Payroll 2011-03.xls"),
                              ("Projects", "Beta"), ("Projects", "Alpha"), ("Projects", "Alpha/Work 01/doc-003.txt"),
                              ("Users", "jsmith"), ("Users", "jsmith/notes-1.txt"), ("Finance", "")] {
            try assertSameACL(share, path)
        }
        let (control, payroll) = try acl(modern, "Finance", "Payroll")
        XCTAssertEqual(control & 0x1400, 0x1400, "protected and auto-inherited")
        XCTAssertEqual(payroll.owner?.description, "S-1-5-21-2610735126-3353893720-2480147207-2106")
        let sddl = try run("smbcacls", ["//\(modern)/Finance", "Payroll", "-U", "labadmin%\(try password())", "--sddl", "--query-security-info=15"]).1
        XCTAssertTrue(sddl.contains("S:(AU;OICIFA;0x001f01ff;;;WD)"), "the audit SACL travels: \(sddl)")

        // Nothing changed: the delta copies nothing.
        r = try migrate(["sync", plan, "--share", "Finance", "--share", "Projects"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Finance (delta): copied 0, updated 0, metadata 0, deleted 0, unchanged 65, failed 0"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Projects (delta): copied 0, updated 0, metadata 0, deleted 0"), r.stdout)

        let status = try migrate(["status", plan])
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("Finance: last pass #"), status.stdout)
        XCTAssertTrue(status.stdout.contains("delta, completed"), status.stdout)
        XCTAssertTrue(status.stdout.contains("failed: list kbrown") || status.stdout.contains("Users: last pass"), status.stdout)
    }
}
