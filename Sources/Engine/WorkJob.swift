import Catalog
import Glibc
import MigrateCore

/// One file's work, as the coordinator hands it to a worker (a frame on its stdin, `WorkFrames`).
public struct WorkJob: Sendable {
    public var id: Int
    /// `copy`, `update` or `metadata`: what goes to a worker (folders and deletes stay with the coordinator).
    public var action: WorkItem.Action
    public var entry: Entry
    /// What the target holds at that name now (an update replaces it).
    public var existing: Entry?
}

/// What came of a job (a frame on the worker's stdout).
public struct WorkResult: Sendable {
    public var id: Int
    public var synced: SyncedEntry?
    public var acl: SecurityTranslator.Counts
    public var attempts: Int
    /// Why the job failed, typed (kind, place, operation, what the server said).
    public var error: TreeError?
    public var bytes: UInt64
    /// Bytes a copy did not transfer again, resuming an interrupted one.
    public var resumed: UInt64? = nil
    /// What the runner has learnt the source lacks (descriptors, streams), so far.
    public var missing = SourceGaps()
}

/// Runs jobs against a source and a target tree, with retries: the part of a pass that is the
/// same in the coordinator (inline) and in a worker process.
public final class JobRunner {
    let copier: FileCopier
    let retries: Int
    let wait: Double
    let log: (String, String) -> Void
    let buffer: UnsafeMutableRawBufferPointer

    public init(source: any Tree, target: any Tree, translator: SecurityTranslator, copySecurity: Bool,
                retries: Int, wait: Double, log: @escaping (String, String) -> Void = { _, _ in }) {
        buffer = .allocate(byteCount: FileCopier.bufferSize, alignment: 4096)
        copier = FileCopier(source: source, target: target, translator: translator, copySecurity: copySecurity, buffer: buffer)
        self.retries = retries; self.wait = wait; self.log = log
    }

    deinit { buffer.deallocate() }

    /// Finishes what the trees left in flight (before waiting for more work).
    public func settle() {
        (copier.source as? any SettlingTree)?.settle()
        (copier.target as? any SettlingTree)?.settle()
    }

    public func run(_ job: WorkJob, progress: (Int) -> Void = { _ in }) -> WorkResult {
        var attempt = 0
        while true {
            attempt += 1
            var acl = SecurityTranslator.Counts()
            do {
                let synced: SyncedEntry
                switch job.action {
                case .copy, .update: synced = try copier.copy(job.entry, existing: job.existing, counts: &acl, progress: progress)
                case .metadata: synced = try copier.updateMetadata(job.entry, counts: &acl)
                case .mkdir, .delete, .list: preconditionFailure("a \(job.action) is never a job")
                }
                return WorkResult(id: job.id, synced: synced, acl: acl, attempts: attempt, error: nil,
                                  bytes: job.action == .metadata ? 0 : job.entry.size - copier.resumed, resumed: copier.resumed,
                                  missing: copier.missing)
            } catch {
                let failure = TreeError.of(error, tree: copier.target.displayName, path: job.entry.path, operation: job.action.rawValue)
                if failure.isRetryable && attempt <= retries {
                    log("retry", "\(job.entry.path): \(failure) (attempt \(attempt))")
                    usleep(UInt32(min(wait, 3600) * 1_000_000))
                    continue
                }
                return WorkResult(id: job.id, synced: nil, acl: acl, attempts: attempt, error: failure, bytes: 0, missing: copier.missing)
            }
        }
    }
}
