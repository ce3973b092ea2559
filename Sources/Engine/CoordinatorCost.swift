import Catalog
import Foundation
import MigrateCore

/// What a pass's coordinator spends on each entry besides the copy itself (the catalog's rows,
/// the frames to and from a worker, the log line), measured on this machine in a scratch
/// catalog: part of the plan's estimate, as the copy probe does not do it.
public enum CoordinatorCost {
    public static func secondsPerEntry(_ sample: [Entry]) -> Double? {
        guard !sample.isEmpty else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-cost-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let catalog = try CatalogDatabase(path: dir.appendingPathComponent("c.sqlite").path)
            let log = try PassLog(path: dir.appendingPathComponent("p.log").path)
            let share = try catalog.shareID(name: "probe", source: "", target: "")
            let pass = try catalog.beginPass(share: share, kind: .full, at: 0)
            let t0 = monotonicSeconds()
            // In folders of 25 (a listing's worth), the results recorded together as a pass does.
            for chunk in stride(from: 0, to: sample.count, by: 25).map({ Array(sample[$0..<min($0 + 25, sample.count)]) }) {
                try catalog.enqueue(pass: pass, chunk.map { WorkItem(path: $0.path, action: .copy, kind: .file, size: $0.size) })
                var done: [(entry: SyncedEntry, action: WorkItem.Action, attempts: Int)] = []
                for (i, e) in chunk.enumerated() {
                    let job = try WorkJob(decoding: WorkJob(id: i, action: .copy, entry: e, existing: nil).encoded())
                    let synced = SyncedEntry(path: job.entry.path, kind: .file, size: e.size, modified: e.times.modified, changed: e.times.changed,
                                             created: e.times.created, attributes: e.attributes, sdHash: String(repeating: "0", count: 64))
                    let result = try WorkResult(decoding: WorkResult(id: i, synced: synced, acl: .init(), attempts: 1, error: nil, bytes: e.size).encoded())
                    log.line("copy", e.path)
                    done.append((result.synced!, .copy, 1))
                }
                try catalog.recordDone(share: share, pass: pass, done)
            }
            return (monotonicSeconds() - t0) / Double(sample.count)
        } catch { return nil }
    }
}
