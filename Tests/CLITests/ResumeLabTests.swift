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
        XCTAssertTrue(again.stdout.contains("copied 0 files and 0 folders, updated 0, metadata 0, deleted 0"), again.stdout, file: file, line: line)
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

/// Ctrl-C on a terminal (a pseudo-terminal: the terminal sends SIGINT to the whole foreground
/// process group, workers included), SIGTERM and SIGHUP mid-pass: the pass stops, records what
/// finished, says so in its summary and in `status`, and the command exits 128 + the signal;
/// no worker is left behind, and the next run finishes the share.
final class SignalLabTests: CLITestCase {
    /// Runs `migrate sync` under a pseudo-terminal and, once `after` entries are done, types
    /// Ctrl-C (or sends `signal` to migrate alone); what it printed and its exit status.
    func syncInterrupted(_ plan: String, signal: String? = nil, after: Int = 150) throws -> (status: Int32, output: String) {
        let r = try underTerminal(["sync", plan, "--share", "Projects", "--workers", "2"], interruptAfter: after, signal: signal)
        let tail = try XCTUnwrap(r.output.components(separatedBy: "SENT ").last)
        XCTAssertTrue(tail.hasPrefix("True"), "the signal was sent mid-pass: \(r.output.suffix(800))")
        return (r.status, r.output)
    }

    /// Runs `migrate args` under a pseudo-terminal; with `interruptAfter`, once that many entries
    /// are examined, types Ctrl-C (or sends `signal` to migrate alone). What it printed (then a
    /// `SENT ... EXIT n` line) and its exit status.
    func underTerminal(_ args: [String], interruptAfter after: Int?, signal: String? = nil) throws -> (status: Int32, output: String) {
        let after = after ?? Int.max
        let script = """
        import os, pty, re, select, signal, sys, time
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], sys.argv[1:])
        out, sent, deadline = b"", False, time.time() + 120
        while time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            done = [int(n) for n in re.findall(rb"(\\d+) examined", out)]
            if not sent and done and max(done) >= \(after):
                if "\(signal ?? "")":
                    os.kill(pid, getattr(signal, "\(signal ?? "SIGINT")"))
                else:
                    os.write(fd, b"\\x03")
                sent = True
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(out.decode("utf-8", "replace"))
        sys.stdout.write("\\nSENT %s EXIT %d SIGNALED %d\\n" % (sent, os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1, os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0))
        """
        let r = try run("/usr/bin/python3", ["-c", script, try binary] + args)
        let tail = r.1.components(separatedBy: "SENT ").last ?? ""
        let code = Int32(tail.components(separatedBy: "EXIT ").last?.split(separator: " ").first ?? "") ?? -99
        return (code, r.1)
    }

    func labPlan(_ dir: URL) throws -> String {
        for f in ["lab-principals.csv", "lab-sidmap.csv"] {
            try FileManager.default.copyItem(at: Self.repo.appendingPathComponent("Plans/\(f)"), to: dir.appendingPathComponent(f))
        }
        let text = try String(contentsOf: Self.repo.appendingPathComponent("Plans/lab.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "catalog: ../.migrate/lab.sqlite", with: "catalog: catalog.sqlite")
        let path = dir.appendingPathComponent("lab.yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    /// Progress a person reads: on a terminal, with the total known from the plan's inventory (a
    /// first pass) or the catalog (a delta), the percent, ETA, files and folders copied, bytes and
    /// rate; where stderr is no terminal, no line at all for a pass shorter than 10 s (there was a
    /// "0 done" line).
    func testProgressOnATerminalHasPercentAndETA() throws {
        try requireLab()
        let dir = try scratch()
        let plan = try labPlan(dir)
        let target = "\(Self.labRoot)/modern/share/Projects"
        for child in (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? [] { try FileManager.default.removeItem(atPath: target + "/" + child) }
        XCTAssertEqual(try migrate(["plan", plan, "--report", dir.path]).status, 1, "kbrown's folder cannot be read")
        let first = try underTerminal(["sync", plan, "--share", "Projects", "--workers", "2"], interruptAfter: nil).output
        XCTAssertNotNil(first.range(of: #"Projects: \d+ % of 3131 entries, ETA \d+"#, options: .regularExpression), first.suffix(2000).description)
        XCTAssertNotNil(first.range(of: #"\d+ examined, \d+ files and \d+ folders copied, [0-9.]+ [KM]iB at"#, options: .regularExpression), first.suffix(2000).description)
        let delta = try underTerminal(["sync", plan, "--share", "Projects"], interruptAfter: nil).output
        XCTAssertNotNil(delta.range(of: #"Projects: \d+ % of 313\d entries"#, options: .regularExpression), "a delta counts against the catalog: \(delta.suffix(1500))")
        let plain = try migrate(["sync", plan, "--share", "Projects"])
        XCTAssertFalse(plain.stderr.contains("examined"), "no progress line in a log for a pass under 10 s: \(plain.stderr)")
    }

    func testCtrlCSigtermAndSighupStopThePassCleanly() throws {
        try requireLab()
        for (signal, exit) in [(nil, 130), ("SIGTERM", 143), ("SIGHUP", 129)] as [(String?, Int32)] {
            let dir = try scratch()
            let plan = try labPlan(dir)
            let target = "\(Self.labRoot)/modern/share/Projects"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? [] { try FileManager.default.removeItem(atPath: target + "/" + child) }
            let name = signal ?? "SIGINT"
            let r = try syncInterrupted(plan, signal: signal)
            XCTAssertEqual(r.status, exit, "\(name): \(r.output.suffix(1500))")
            XCTAssertTrue(r.output.contains("Projects (full): copied"), "\(name): the summary is printed: \(r.output.suffix(1500))")
            XCTAssertTrue(r.output.contains("interrupted by \(name)"), "\(name): \(r.output.suffix(1500))")
            let st = try migrate(["status", plan]).stdout
            XCTAssertTrue(st.contains("stopped") && st.contains("interrupted by \(name)"), "\(name): \(st)")
            let workers = try run("/bin/sh", ["-c", "pgrep -f '[m]igrate worker' | wc -l"]).1.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(workers, "0", "\(name): no worker left behind")
            // The next run finishes the share; the one after finds nothing to do.
            var again = try migrate(["sync", plan, "--share", "Projects"])
            XCTAssertEqual(again.status, 0, again.stderr)
            again = try migrate(["sync", plan, "--share", "Projects"])
            XCTAssertTrue(again.stdout.contains("Projects (delta): copied 0 files and 0 folders, updated 0, metadata 0, deleted 0"), again.stdout)
        }
        assertSameListing(try listing(legacy, "Projects"), try listing(modern, "Projects"), "after the interrupted passes")
    }
}
