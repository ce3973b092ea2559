import Foundation
import Glibc
import MigrateCore

/// Worker processes, each with its own SMB connections (libsmbclient contexts are unsafe across
/// threads): the coordinator, which owns the catalog, hands them jobs as JSON lines and reads
/// results back. A worker that dies is replaced and its jobs are handed out again.
public final class WorkerPool {
    final class Worker {
        let process: Process
        let input: FileHandle
        let fd: Int32
        var buffer: [UInt8] = []
        var inFlight: [Int: WorkJob] = [:]
        var delivered = 0
        init(process: Process, input: FileHandle, fd: Int32) { self.process = process; self.input = input; self.fd = fd }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    let command: [String]
    let count: Int
    /// Jobs a worker holds at once: one running, one waiting, so it never idles on a round trip.
    let depth = 2
    var workers: [Worker] = []
    var requeues: [Int: Int] = [:]
    var startupDeaths = 0
    let encoder = JSONEncoder()
    let decoder = JSONDecoder()

    public init(command: [String], count: Int) throws {
        self.command = command
        self.count = max(1, count)
        signal(SIGPIPE, SIG_IGN)
        for _ in 0..<self.count { workers.append(try spawn()) }
    }

    deinit { close() }

    public var inFlight: Int { workers.reduce(0) { $0 + $1.inFlight.count } }

    func spawn() throws -> Worker {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        try p.run()
        return Worker(process: p, input: stdin.fileHandleForWriting, fd: stdout.fileHandleForReading.fileDescriptor)
    }

    /// Hands a job to the least busy worker, collecting results while all are full.
    public func submit(_ job: WorkJob) throws -> [WorkResult] {
        var results: [WorkResult] = []
        while true {
            if let w = workers.filter({ $0.inFlight.count < depth }).min(by: { $0.inFlight.count < $1.inFlight.count }) {
                if send(job, to: w) { return results }
                results += try handleDeath(w)
                continue
            }
            results += try collect(block: true)
        }
    }

    private func send(_ job: WorkJob, to w: Worker) -> Bool {
        guard var data = try? encoder.encode(job) else { return false }
        data.append(10)
        do { try w.input.write(contentsOf: data) } catch { return false }
        w.inFlight[job.id] = job
        return true
    }

    /// Results that have arrived; with `block`, waits until at least one does.
    public func collect(block: Bool) throws -> [WorkResult] {
        var fds = workers.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let n = poll(&fds, nfds_t(fds.count), block ? 1000 : 0)
        guard n > 0 else { return [] }
        var results: [WorkResult] = []
        for (i, pfd) in fds.enumerated() where pfd.revents != 0 {
            let w = workers[i]
            var chunk = [UInt8](repeating: 0, count: 65536)
            let got = chunk.withUnsafeMutableBytes { read(w.fd, $0.baseAddress, 65536) }
            if got <= 0 {
                results += try handleDeath(w)
                continue
            }
            w.buffer += chunk[..<got]
            while let nl = w.buffer.firstIndex(of: 10) {
                let line = Data(w.buffer[..<nl])
                w.buffer.removeSubrange(...nl)
                guard let r = try? decoder.decode(WorkResult.self, from: line) else { continue }
                w.inFlight[r.id] = nil
                w.delivered += 1
                startupDeaths = 0
                results.append(r)
            }
        }
        return results
    }

    /// Waits for every job handed out.
    public func drain() throws -> [WorkResult] {
        var results: [WorkResult] = []
        while inFlight > 0 { results += try collect(block: true) }
        return results
    }

    /// Replaces a dead worker and hands its jobs out again (twice at most per job).
    private func handleDeath(_ w: Worker) throws -> [WorkResult] {
        try? w.input.close()
        w.process.waitUntilExit()
        if w.delivered == 0 {
            startupDeaths += 1
            if startupDeaths >= 3 {
                throw Failure(description: "worker processes exit right after starting (status \(w.process.terminationStatus)); see the messages above")
            }
        }
        let orphans = w.inFlight.values.sorted { $0.id < $1.id }
        w.inFlight.removeAll()
        let replacement = try spawn()
        if let i = workers.firstIndex(where: { $0 === w }) { workers[i] = replacement }
        var results: [WorkResult] = []
        for job in orphans {
            let n = (requeues[job.id] ?? 0) + 1
            requeues[job.id] = n
            if n > 2 {
                results.append(WorkResult(id: job.id, synced: nil, acl: .init(), attempts: n, error: "the worker died three times on this entry", bytes: 0))
            } else {
                results += try submit(job)
            }
        }
        return results
    }

    public func close() {
        for w in workers {
            try? w.input.close()
            w.process.waitUntilExit()
        }
        workers.removeAll()
    }
}

/// The worker side: jobs in on stdin, results out on stdout, until stdin closes.
public enum WorkerLoop {
    public static func run(_ runner: JobRunner) {
        let reader = LineReader(fd: STDIN_FILENO)
        let decoder = JSONDecoder(), encoder = JSONEncoder()
        while let line = reader.nextBytes() {
            guard let job = try? decoder.decode(WorkJob.self, from: Data(line)) else { continue }
            let result = runner.run(job)
            guard var data = try? encoder.encode(result) else { continue }
            data.append(10)
            var done = 0
            while done < data.count {
                let n = data.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + done, $0.count - done) }
                if n <= 0 { return }
                done += n
            }
        }
    }
}
