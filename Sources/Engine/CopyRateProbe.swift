import Foundation
import Glibc
import MigrateCore
import MigratePlan

/// Measures what copying costs here, both sides together, the way a pass copies: a sample of
/// small files through the pass's own copier (read with their descriptor, written with their
/// metadata) on as many parallel lanes as the pass has workers, and one larger file for the
/// byte rate. Everything goes into a temporary folder on the target (a name every pass removes
/// as its own leftover), which is deleted again.
public struct CopyRateProbe {
    public struct Rates: Sendable, Codable, Hashable {
        /// Small files a second, all lanes together.
        public var filesPerSecond: Double?
        /// Bytes a second of one large file.
        public var bytesPerSecond: Double?
        public var lanes: Int
        /// Why it could not measure (the target refused the probe folder...).
        public var problem: String?
    }

    /// One lane: a source and a target of its own (its own connections).
    public typealias Lane = (source: any Tree, target: any Tree)

    let policy: ACLPolicy
    let copySecurity: Bool

    public init(policy: ACLPolicy, copySecurity: Bool) { self.policy = policy; self.copySecurity = copySecurity }

    /// `small`: files up to 1 MiB (the more the steadier); `large`: the file for the byte rate.
    public func measure(lanes: [Lane], small: [Entry], large: Entry?) -> Rates {
        var rates = Rates(lanes: lanes.count)
        guard let first = lanes.first else { return rates }
        let folder = ".migrate-probe-\(UInt32.random(in: 0...UInt32.max)).partial"
        do { try first.target.makeDirectory(folder) } catch {
            rates.problem = "cannot create a probe folder on the target: \(error.reason)"
            return rates
        }
        defer { removeProbe(first, folder) }
        let runners = lanes.enumerated().map { i, lane -> JobRunner in
            let sub = SubfolderTree.wrap(lane.target, folder: joinPath(folder, "lane\(i)"))
            try? lane.target.makeDirectory(sub.folder)
            return JobRunner(source: lane.source, target: sub, translator: SecurityTranslator(policy: policy),
                             copySecurity: copySecurity, retries: 0, wait: 0)
        }
        // Each lane its own folders for the sample's parents, made before the clocks start.
        let parents = Set((small + (large.map { [$0] } ?? [])).map { parentPath($0.path) }).sorted()
        for runner in runners {
            for dir in parents where !dir.isEmpty {
                var path = ""
                for part in dir.split(separator: "/") { path = joinPath(path, String(part)); try? runner.copier.target.makeDirectory(path) }
            }
        }
        if let large {
            let t0 = monotonicSeconds()
            let r = runners[0].run(job(large))
            if r.error == nil { rates.bytesPerSecond = Double(large.size) / max(monotonicSeconds() - t0, 1e-6) }
            else { rates.problem = "copying \(large.path): \(r.error!)" }
        }
        if !small.isEmpty {
            let work = Work(runners: runners, small: small)
            let t0 = monotonicSeconds()
            let threads = runners.indices.map { i in Thread { work.run(lane: i) } }
            for t in threads { work.done.enter(); t.start() }
            work.done.wait()
            let elapsed = monotonicSeconds() - t0
            if work.copied > 0 { rates.filesPerSecond = Double(work.copied) / max(elapsed, 1e-6) }
            if let e = work.firstError, work.copied < small.count { rates.problem = (rates.problem.map { $0 + "; " } ?? "") + e }
        }
        return rates
    }

    func job(_ e: Entry) -> WorkJob { WorkJob(id: 0, action: .copy, entry: e, existing: nil) }

    /// The lanes' shared state. Each lane's trees are used by that lane's thread alone.
    final class Work: @unchecked Sendable {
        let runners: [JobRunner]
        let small: [Entry]
        let lock = NSLock()
        var next = 0
        var copied = 0
        var firstError: String?
        let done = DispatchGroup()

        init(runners: [JobRunner], small: [Entry]) { self.runners = runners; self.small = small }

        func run(lane: Int) {
            defer { done.leave() }
            while true {
                lock.lock()
                let i = next
                next += 1
                lock.unlock()
                guard i < small.count else { return }
                let r = runners[lane].run(WorkJob(id: i, action: .copy, entry: small[i], existing: nil))
                lock.lock()
                if let e = r.error { firstError = firstError ?? "copying \(small[i].path): \(e)" } else { copied += 1 }
                lock.unlock()
            }
        }
    }


    /// Removes the probe folder the way a pass removes a folder (read-only files included).
    func removeProbe(_ lane: Lane, _ folder: String) {
        let runner = JobRunner(source: lane.source, target: lane.target, translator: SecurityTranslator(policy: policy),
                               copySecurity: false, retries: 0, wait: 0)
        _ = try? runner.copier.remove(Entry(path: folder, kind: .directory))
    }
}
