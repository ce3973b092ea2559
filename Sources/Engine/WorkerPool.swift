import Foundation
import Glibc
import MigrateCore

/// Worker processes, each with its own SMB connections (libsmbclient contexts are unsafe across
/// threads): the coordinator, which owns the catalog, hands them jobs as binary frames
/// (`WorkFrames`) and reads results back. A worker that dies, or answers with a corrupt frame,
/// is replaced and its jobs are handed out again.
public final class WorkerPool {
    final class Worker {
        let process: Process
        let input: FileHandle
        let results: WorkFrames.Reader
        var inFlight: [Int: WorkJob] = [:]
        var delivered = 0
        init(process: Process, input: FileHandle, fd: Int32) {
            self.process = process; self.input = input; results = WorkFrames.Reader(fd: fd)
        }
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
        do { try w.input.write(contentsOf: WorkFrames.frame(job.encoded())) } catch { return false }
        w.inFlight[job.id] = job
        return true
    }

    /// Results that have arrived; with `block`, waits until at least one does.
    public func collect(block: Bool) throws -> [WorkResult] {
        var fds = workers.map { pollfd(fd: $0.results.fd, events: Int16(POLLIN), revents: 0) }
        let n = poll(&fds, nfds_t(fds.count), block ? 1000 : 0)
        guard n > 0 else { return [] }
        var results: [WorkResult] = []
        for (i, pfd) in fds.enumerated() where pfd.revents != 0 {
            let w = workers[i]
            guard w.results.fill() else {
                results += try handleDeath(w)
                continue
            }
            do {
                while let payload = try w.results.next() {
                    let r = try WorkResult(decoding: payload)
                    w.inFlight[r.id] = nil
                    w.delivered += 1
                    startupDeaths = 0
                    results.append(r)
                }
            } catch {
                // Nothing more from this worker can be trusted: it is stopped and replaced.
                w.process.terminate()
                results += try handleDeath(w)
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
                results.append(WorkResult(id: job.id, synced: nil, acl: .init(), attempts: n, error: TreeError(.unexpected, tree: "worker process", path: job.entry.path, operation: job.action.rawValue,
                                                                    detail: "the worker died three times on this entry"), bytes: 0))
            } else {
                results += try submit(job)
            }
        }
        return results
    }

    public func close() {
        // All told first, then waited for: each ends its sessions politely, and together they do.
        for w in workers { try? w.input.close() }
        for w in workers { w.process.waitUntilExit() }
        workers.removeAll()
    }
}

/// The worker side: jobs in on stdin, results out on stdout, until stdin closes.
public enum WorkerLoop {
    public static func run(_ runner: JobRunner) {
        // Results get stdout to themselves: anything else printed (a library's debug line)
        // goes to stderr instead of into the frames.
        let results = dup(STDOUT_FILENO)
        guard results >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else { return }
        let jobs = WorkFrames.Reader(fd: STDIN_FILENO)
        while true {
            var payload = try? jobs.next()
            if payload == nil {
                // No job waiting: leave nothing open on the servers while idle.
                var input = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
                if poll(&input, 1, 0) == 0 { runner.settle() }
                payload = try? jobs.nextBlocking()
            }
            guard let payload, let job = try? WorkJob(decoding: payload) else { return }
            let data = WorkFrames.frame(runner.run(job).encoded())
            var done = 0
            while done < data.count {
                let n = data.withUnsafeBytes { write(results, $0.baseAddress! + done, $0.count - done) }
                if n <= 0 { return }
                done += n
            }
        }
    }
}
