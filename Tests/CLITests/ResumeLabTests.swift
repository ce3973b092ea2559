import Foundation
import XCTest

/// `kill -9` at any moment, then the same command: the target ends up correct and clean.
final class ResumeLabTests: CLITestCase {
    var targetDir: String { "\(Self.labRoot)/modern/share/Scratch" }

    /// A source with a large file, many small ones in several folders.
    func seed(_ dir: URL, bigMiB: Int) throws {
        let stage = dir.appendingPathComponent("stage")
        try FileManager.default.createDirectory(at: stage, withIntermediateDirectories: true)
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for i in block.indices { block[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
        FileManager.default.createFile(atPath: stage.appendingPathComponent("big.bin").path, contents: nil)
        let h = try FileHandle(forWritingTo: stage.appendingPathComponent("big.bin"))
        for i in 0..<bigMiB { block[0] = UInt8(i & 0xff); h.write(Data(block)) }
        try h.close()
        var commands = "put \"\(stage.path)/big.bin\" big.bin; "
        for d in 0..<6 {
            commands += "mkdir D\(d); "
            for f in 0..<40 {
                let local = stage.appendingPathComponent("f\(d)-\(f).txt")
                try String(repeating: "line \(d) \(f)\n", count: 50 + f).write(to: local, atomically: false, encoding: .utf8)
                commands += "put \"\(local.path)\" D\(d)\\f\(f).txt; "
            }
        }
        _ = try smbclient(legacy, "Scratch", commands)
    }

    func start(_ plan: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = ["sync", plan]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func waitUntil(_ p: Process, timeout: Double = 60, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end && p.isRunning {
            if condition() { return true }
            usleep(20_000)
        }
        return false
    }

    func partials() -> [String] {
        let e = FileManager.default.enumerator(atPath: targetDir)
        var out: [String] = []
        while let p = e?.nextObject() as? String { if p.hasSuffix(".partial") { out.append(p) } }
        return out
    }

    func files(in dir: String) -> Int {
        let e = FileManager.default.enumerator(atPath: dir)
        var n = 0
        while e?.nextObject() != nil { n += 1 }
        return n
    }

    func killAndResume(_ plan: String, when condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let p = try start(plan)
        let hit = waitUntil(p, condition)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertTrue(hit, "the moment to kill never came (pass finished first?)", file: file, line: line)
        let r = try migrate(["sync", plan])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertEqual(partials(), [], "temporary files left", file: file, line: line)
        assertSameListing(try listing(legacy, "Scratch"), try listing(modern, "Scratch"), "target vs source:", file: file, line: line)
        let again = try migrate(["sync", plan])
        XCTAssertTrue(again.stdout.contains("copied 0, updated 0, metadata 0, deleted 0"), again.stdout, file: file, line: line)
    }

    func testKilledMidLargeFileMidWalkAndMidMetadataThenResumed() throws {
        try requireLab()
        try resetScratch()
        let dir = try scratch()
        try seed(dir, bigMiB: 384)
        let plan = try scratchPlan(dir)
        // 1. While the large file is being written under its temporary name: the rerun resumes it.
        try killAndResume(plan) {
            partials().contains { p in ((try? FileManager.default.attributesOfItem(atPath: "\(targetDir)/\(p)")[.size] as? Int) ?? 0) > 64 << 20 }
        }
        let logs = dir.appendingPathComponent("logs").path
        let resumedLog = try FileManager.default.contentsOfDirectory(atPath: logs).sorted().dropLast().last.map {
            try String(contentsOfFile: logs + "/" + $0, encoding: .utf8)
        } ?? ""
        XCTAssertTrue(resumedLog.contains("\tresume\tbig.bin from byte "), resumedLog)
        let local = dir.appendingPathComponent("big-copy.bin").path
        _ = try smbclient(modern, "Scratch", "get big.bin \(local)")
        XCTAssertEqual(try run("cmp", [local, dir.appendingPathComponent("stage/big.bin").path]).0, 0, "resumed copy differs from the source")
        // 2. In the middle of the walk: some folders done, others not.
        try resetScratch()
        try seed(dir, bigMiB: 1)
        try FileManager.default.removeItem(atPath: dir.appendingPathComponent("catalog.sqlite").path)
        try killAndResume(plan) { files(in: targetDir) > 60 }
        // 3. During the folder metadata at the end of a pass.
        try resetScratch()
        try seed(dir, bigMiB: 1)
        try? FileManager.default.removeItem(atPath: logs)
        try killAndResume(plan) {
            guard let name = try? FileManager.default.contentsOfDirectory(atPath: logs).sorted().last,
                  let text = try? String(contentsOfFile: logs + "/" + name, encoding: .utf8) else { return false }
            return text.contains("\tmetadata\tD")
        }
    }

    /// A worker process that dies is replaced and its file handed out again; the pass ends clean.
    func testAKilledWorkerIsReplacedAndItsFileRetried() throws {
        try requireLab()
        try resetScratch()
        let dir = try scratch()
        try seed(dir, bigMiB: 256)
        let plan = try scratchPlan(dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = ["sync", plan, "--workers", "2"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Kill the worker that is writing the large file.
        var killed = false
        let end = Date().addingTimeInterval(60)
        while !killed && Date() < end && p.isRunning {
            if partials().contains(where: { ((try? FileManager.default.attributesOfItem(atPath: "\(targetDir)/\($0)")[.size] as? Int) ?? 0) > 8 << 20 }) {
                let pids = try run("pgrep", ["-f", "migrate worker .*scratch.yaml"]).1.split(separator: "\n").compactMap { Int32($0) }
                // Which worker holds the big file is not visible from here: kill them all, the pool replaces each.
                for pid in pids { kill(pid, SIGKILL) }
                killed = !pids.isEmpty
            }
            usleep(20_000)
        }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertTrue(killed, "no worker to kill")
        XCTAssertEqual(p.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("failed 0"), output)
        XCTAssertEqual(partials(), [])
        assertSameListing(try listing(legacy, "Scratch"), try listing(modern, "Scratch"), "target vs source:")
    }

    /// The source server restarts in the middle of a pass: connections come back, the pass ends clean.
    func testSourceServerRestartMidPassIsSurvived() throws {
        try requireLab()
        try resetScratch()
        let dir = try scratch()
        try seed(dir, bigMiB: 64)
        let plan = try scratchPlan(dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = ["sync", plan, "--workers", "2", "--retries", "10", "--wait", "1"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        XCTAssertTrue(waitUntil(p) { files(in: targetDir) > 40 }, "the pass finished before the restart")
        // system(), not Process: Foundation's waitUntilExit can miss the exit of a script whose child daemonises.
        let restart = system("'\(Self.repo.appendingPathComponent("Lab/lab.sh").path)' restart legacy >/dev/null 2>&1")
        XCTAssertEqual(restart, 0)
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("failed 0"), output)
        assertSameListing(try listing(legacy, "Scratch"), try listing(modern, "Scratch"), "target vs source:")
    }
}
