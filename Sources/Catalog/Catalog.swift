import Foundation
import GRDB
import MigrateCore

/// The catalog's queries, per share. Reads and writes go through short transactions; nothing
/// holds a whole tree in memory.
extension CatalogDatabase {
    /// The share's id, registering it on first use.
    public func shareID(name: String, source: String, target: String) throws(Failure) -> Int64 {
        try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM share WHERE name = ?", arguments: [name]) {
                try db.execute(sql: "UPDATE share SET source = ?, target = ? WHERE id = ?", arguments: [source, target, id])
                return id
            }
            try db.execute(sql: "INSERT INTO share (name, source, target) VALUES (?, ?, ?)", arguments: [name, source, target])
            return db.lastInsertedRowID
        }
    }

    /// `forecast`: what the pass is expected to take (seconds) and on what basis, to be shown against what it took.
    public func beginPass(share: Int64, kind: PassRecord.Kind, at time: Double, forecast: PassRecord.Forecast? = nil,
                          log: String? = nil) throws(Failure) -> Int64 {
        try write { db in
            // A pass left "running" by a killed process is over: the new one redoes what it had not finished.
            try db.execute(sql: "UPDATE pass SET status = 'stopped', ended = ?, message = coalesce(message, 'interrupted') WHERE share_id = ? AND status = 'running'",
                           arguments: [time, share])
            try db.execute(sql: "INSERT INTO pass (share_id, kind, status, started, forecast, forecast_basis, log) VALUES (?, ?, 'running', ?, ?, ?, ?)",
                           arguments: [share, kind.rawValue, time, forecast?.seconds, forecast?.basis, log])
            return db.lastInsertedRowID
        }
    }

    /// The plan's estimate of a share's first pass, replacing an earlier one.
    /// `entries`, `bytes`: what the inventory found (the first pass's progress counts against them).
    public func recordEstimate(share: Int64, _ forecast: PassRecord.Forecast, entries: Int, bytes: UInt64, at time: Double) throws(Failure) {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO estimate (share_id, seconds, basis, made, entries, bytes) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [share, forecast.seconds, forecast.basis, time, entries, Int64(bitPattern: bytes)])
        }
    }

    /// How many entries the inventory found in the share, and their bytes.
    public func inventoried(share: Int64) throws(Failure) -> (entries: Int, bytes: UInt64)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT entries, bytes FROM estimate WHERE share_id = ? AND entries IS NOT NULL", arguments: [share])
                .map { (entries: $0["entries"], bytes: UInt64(bitPattern: $0["bytes"] as Int64)) }
        }
    }

    public func estimate(share: Int64) throws(Failure) -> PassRecord.Forecast? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT seconds, basis FROM estimate WHERE share_id = ?", arguments: [share])
                .map { PassRecord.Forecast(seconds: $0["seconds"], basis: $0["basis"]) }
        }
    }

    public func finishPass(_ id: Int64, status: PassRecord.Status, counts: PassCounts, message: String?, at time: Double) throws(Failure) {
        try write { db in
            try db.execute(sql: """
                UPDATE pass SET status = ?, ended = ?, copied = ?, copied_folders = ?, updated = ?, metadata = ?, deleted = ?, skipped = ?,
                    failed = ?, bytes = ?, source_entries = ?, message = ? WHERE id = ?
                """, arguments: [status.rawValue, time, counts.copied, counts.copiedFolders, counts.updated, counts.metadata, counts.deleted,
                                 counts.skipped, counts.failed, Int64(bitPattern: counts.bytes), counts.sourceEntries, message, id])
        }
    }

    public func passes(share name: String, limit: Int = 10) throws(Failure) -> [PassRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT pass.*, share.name AS share_name FROM pass JOIN share ON share.id = pass.share_id
                WHERE share.name = ? ORDER BY pass.id DESC LIMIT ?
                """, arguments: [name, limit]).map(Self.pass)
        }
    }

    static func pass(_ row: Row) -> PassRecord {
        var c = PassCounts()
        c.copied = row["copied"]; c.copiedFolders = row["copied_folders"]; c.updated = row["updated"]; c.metadata = row["metadata"]; c.deleted = row["deleted"]
        c.skipped = row["skipped"]; c.failed = row["failed"]; c.bytes = UInt64(bitPattern: row["bytes"] as Int64)
        c.sourceEntries = row["source_entries"]
        return PassRecord(id: row["id"], share: row["share_name"], kind: PassRecord.Kind(rawValue: row["kind"]) ?? .full,
                          status: PassRecord.Status(rawValue: row["status"]) ?? .failed, started: row["started"],
                          ended: row["ended"], counts: c, message: row["message"],
                          forecast: (row["forecast"] as Double?).map { PassRecord.Forecast(seconds: $0, basis: row["forecast_basis"] ?? "") },
                          log: row["log"])
    }

    // MARK: synced state

    /// The synced state of the children of one folder, keyed by path.
    public func syncedChildren(share: Int64, of folder: String) throws(Failure) -> [String: SyncedEntry] {
        try read { db in
            // Children of "a/b" are "a/b/x" with no further '/'; the root's children have no '/'
            // (and are not the root's own record, "").
            let rows: RowCursor
            if folder.isEmpty {
                rows = try Row.fetchCursor(db, sql: "SELECT \(Self.syncedColumns) FROM entry WHERE share_id = ? AND instr(path, '/') = 0 AND path <> ''", arguments: [share])
            } else {
                // substr counts code points, not Swift's characters (a decomposed "é" is two).
                let prefix = folder + "/"
                rows = try Row.fetchCursor(db, sql: """
                    SELECT \(Self.syncedColumns) FROM entry WHERE share_id = ? AND path > ? AND path < ? AND instr(substr(path, ?), '/') = 0
                    """, arguments: [share, prefix, folder + "0", prefix.unicodeScalars.count + 1])
            }
            // Decoded straight from the statement: no copy of each row.
            var out: [String: SyncedEntry] = [:]
            while let r = try rows.next() { let e = Self.synced(r); out[e.path] = e }
            return out
        }
    }

    public func synced(share: Int64, path: String) throws(Failure) -> SyncedEntry? {
        try read { db in try Row.fetchOne(db, sql: "SELECT \(Self.syncedColumns) FROM entry WHERE share_id = ? AND path = ?", arguments: [share, path]).map(Self.synced) }
    }

    /// What `synced` decodes, by position (by name GRDB compares every column name case-insensitively,
    /// which was a tenth of a no-change delta's time).
    static let syncedColumns = "path, kind, size, mtime, ctime, btime, attributes, sd_hash"

    static func synced(_ r: Row) -> SyncedEntry {
        SyncedEntry(path: r[0], kind: EntryKind(rawValue: r[1]) ?? .file, size: UInt64(bitPattern: r[2] as Int64),
                    modified: (r[3] as Int64?).map(Timestamp.init(ticks:)), changed: (r[4] as Int64?).map(Timestamp.init(ticks:)),
                    created: (r[5] as Int64?).map(Timestamp.init(ticks:)), attributes: DOSAttributes(rawValue: UInt32(r[6] as Int64)),
                    sdHash: r[7])
    }

    /// Records finished copies in one transaction: what the target now reflects, and their work
    /// items done (one commit for what a collection of results brought, not two per file).
    public func recordDone(share: Int64, pass: Int64, _ done: [(entry: SyncedEntry, action: WorkItem.Action, attempts: Int)]) throws(Failure) {
        guard !done.isEmpty else { return }
        try write { db in
            let insert = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO entry (share_id, path, kind, size, mtime, ctime, btime, attributes, sd_hash, pass_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let update = try db.makeStatement(sql: "UPDATE work SET state = 'done', attempts = ?, error = NULL, error_kind = NULL, error_operation = NULL WHERE pass_id = ? AND path = ? AND action = ?")
            for (e, action, attempts) in done {
                try insert.execute(arguments: [share, e.path, e.kind.rawValue, Int64(bitPattern: e.size), e.modified?.ticks, e.changed?.ticks,
                                               e.created?.ticks, Int64(e.attributes.rawValue), e.sdHash, pass])
                try update.execute(arguments: [attempts, pass, e.path, action.rawValue])
            }
        }
    }

    /// Forgets an entry and everything below it (after it was deleted from the target).
    public func forget(share: Int64, path: String) throws(Failure) {
        try write { db in
            try db.execute(sql: "DELETE FROM entry WHERE share_id = ? AND (path = ? OR (path > ? AND path < ?))",
                           arguments: [share, path, path + "/", path + "0"])
        }
    }

    public func syncedCount(share: Int64) throws(Failure) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE share_id = ?", arguments: [share]) ?? 0 }
    }

    /// How many synced entries lie below a folder (what deleting it takes away).
    public func syncedCount(share: Int64, below path: String) throws(Failure) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE share_id = ? AND path > ? AND path < ?",
                             arguments: [share, path + "/", path + "0"]) ?? 0
        }
    }

    // MARK: work queue

    public func enqueue(pass: Int64, _ items: [WorkItem]) throws(Failure) {
        guard !items.isEmpty else { return }
        try write { db in
            let stmt = try db.makeStatement(sql: "INSERT OR REPLACE INTO work (pass_id, path, action, kind, size, state) VALUES (?, ?, ?, ?, ?, 'pending')")
            for i in items {
                try stmt.execute(arguments: [pass, i.path, i.action.rawValue, i.kind.rawValue, Int64(bitPattern: i.size)])
            }
        }
    }

    /// Done, or failed with the typed error (its message, kind and operation are kept).
    public func complete(pass: Int64, path: String, action: WorkItem.Action, attempts: Int, error: TreeError?) throws(Failure) {
        try write { db in
            try db.execute(sql: "UPDATE work SET state = ?, attempts = ?, error = ?, error_kind = ?, error_operation = ? WHERE pass_id = ? AND path = ? AND action = ?",
                           arguments: [error == nil ? "done" : "failed", attempts, error?.description, error?.kind.rawValue, error?.operation,
                                       pass, path, action.rawValue])
        }
    }

    /// A pass's failed work items counted by the kind of their error (nil: recorded before v4).
    public func failedKinds(pass: Int64) throws(Failure) -> [(kind: TreeError.Kind?, count: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT error_kind, count(*) AS n FROM work WHERE pass_id = ? AND state = 'failed' GROUP BY error_kind ORDER BY n DESC, error_kind",
                             arguments: [pass]).map { r in ((r["error_kind"] as String?).flatMap(TreeError.Kind.init(rawValue:)), r["n"]) }
        }
    }

    /// How many of a pass's work items are in `state`.
    public func workCount(pass: Int64, state: WorkItem.State) throws(Failure) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM work WHERE pass_id = ? AND state = ?", arguments: [pass, state.rawValue]) ?? 0 }
    }

    public func work(pass: Int64, state: WorkItem.State? = nil, limit: Int = 1000) throws(Failure) -> [WorkItem] {
        try read { db in
            var sql = "SELECT * FROM work WHERE pass_id = ?"
            var args: [any DatabaseValueConvertible] = [pass]
            if let state { sql += " AND state = ?"; args.append(state.rawValue) }
            sql += " ORDER BY path LIMIT ?"
            args.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
                WorkItem(path: r["path"], action: WorkItem.Action(rawValue: r["action"]) ?? .copy, kind: EntryKind(rawValue: r["kind"]) ?? .file,
                         size: UInt64(bitPattern: r["size"] as Int64), state: WorkItem.State(rawValue: r["state"]) ?? .pending,
                         attempts: r["attempts"], error: r["error"], errorKind: (r["error_kind"] as String?).flatMap(TreeError.Kind.init(rawValue:)))
            }
        }
    }
}
