import Foundation
import GRDB

/// The catalog: one SQLite file per plan. Every decision a pass makes is a row here before it is
/// an action, so a killed run restarts from it and reports are queries over it.
public final class CatalogDatabase {
    public let path: String
    let queue: DatabaseQueue

    public enum Failure: Error, CustomStringConvertible {
        case open(path: String, reason: String)
        case query(String)
        public var description: String {
            switch self {
            case .open(let path, let reason): "catalog \(path): cannot open: \(reason)"
            case .query(let reason): "catalog: \(reason)"
            }
        }
    }

    /// Opens (creating if needed) and migrates the catalog.
    public init(path: String) throws(Failure) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                // WAL: a reader (migrate status) never blocks a running pass; synchronous NORMAL is
                // durable at every checkpoint of the work queue, which is what resuming needs.
                try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
            }
            queue = try DatabaseQueue(path: path, configuration: config)
            try Self.migrator.migrate(queue)
        } catch {
            throw .open(path: path, reason: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE share (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    target TEXT NOT NULL
                );
                CREATE TABLE pass (
                    id INTEGER PRIMARY KEY,
                    share_id INTEGER NOT NULL REFERENCES share(id),
                    kind TEXT NOT NULL,              -- full | delta | dry-run
                    status TEXT NOT NULL,            -- running | completed | failed | stopped
                    started REAL NOT NULL,
                    ended REAL,
                    copied INTEGER NOT NULL DEFAULT 0,
                    updated INTEGER NOT NULL DEFAULT 0,
                    metadata INTEGER NOT NULL DEFAULT 0,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    skipped INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    bytes INTEGER NOT NULL DEFAULT 0,
                    source_entries INTEGER NOT NULL DEFAULT 0,
                    message TEXT
                );
                -- The source state each target entry was last made equal to.
                CREATE TABLE entry (
                    share_id INTEGER NOT NULL REFERENCES share(id),
                    path TEXT NOT NULL,              -- relative, '/'-separated, as on the source
                    kind TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime INTEGER,                   -- 100 ns ticks since 1970
                    ctime INTEGER,
                    btime INTEGER,
                    attributes INTEGER NOT NULL,
                    sd_hash TEXT,
                    pass_id INTEGER NOT NULL,
                    PRIMARY KEY (share_id, path)
                ) WITHOUT ROWID;
                -- The work queue of a pass: decided, then done or failed.
                CREATE TABLE work (
                    pass_id INTEGER NOT NULL REFERENCES pass(id),
                    path TEXT NOT NULL,
                    action TEXT NOT NULL,            -- copy | update | metadata | delete | mkdir
                    kind TEXT NOT NULL,
                    size INTEGER NOT NULL DEFAULT 0,
                    state TEXT NOT NULL DEFAULT 'pending',   -- pending | done | failed
                    attempts INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    PRIMARY KEY (pass_id, path, action)
                ) WITHOUT ROWID;
                CREATE INDEX work_state ON work(pass_id, state);
                """)
        }
        m.registerMigration("v2-cutover") { db in
            try db.execute(sql: """
                -- Where each share stands in its cutover, and what undoing it needs.
                CREATE TABLE cutover (
                    share_id INTEGER PRIMARY KEY REFERENCES share(id),
                    state TEXT NOT NULL,
                    updated REAL NOT NULL,
                    share_sd BLOB,                   -- the source share's permissions before the freeze
                    frozen_sd BLOB,                  -- what the freeze set
                    frozen_at REAL,
                    dfs_link TEXT,                   -- \\\\host\\root\\link
                    dfs_old TEXT,                    -- the link's target before the switch
                    dfs_new TEXT,
                    verify_report TEXT,
                    manifest TEXT
                );
                -- Every step tried: written "running" before it acts, so a crash leaves a trace.
                CREATE TABLE cutover_step (
                    id INTEGER PRIMARY KEY,
                    share_id INTEGER NOT NULL REFERENCES share(id),
                    step TEXT NOT NULL,
                    from_state TEXT NOT NULL,
                    to_state TEXT,
                    status TEXT NOT NULL,            -- running | done | failed | refused
                    started REAL NOT NULL,
                    ended REAL,
                    operator TEXT NOT NULL,
                    forced TEXT,                     -- what --force or an override waived
                    detail TEXT,
                    undo TEXT
                );
                CREATE INDEX cutover_step_share ON cutover_step(share_id, id);
                """)
        }
        m.registerMigration("v3-forecast") { db in
            try db.execute(sql: """
                -- What each pass was forecast to take when it began (seconds), and on what basis.
                ALTER TABLE pass ADD COLUMN forecast REAL;
                ALTER TABLE pass ADD COLUMN forecast_basis TEXT;
                ALTER TABLE pass ADD COLUMN log TEXT;            -- the pass's log file
                ALTER TABLE pass ADD COLUMN copied_folders INTEGER NOT NULL DEFAULT 0;
                -- The plan's estimate of each share's first pass (`migrate plan`).
                CREATE TABLE estimate (
                    share_id INTEGER PRIMARY KEY REFERENCES share(id),
                    seconds REAL NOT NULL,
                    basis TEXT NOT NULL,
                    made REAL NOT NULL,
                    entries INTEGER,                 -- files and folders the inventory found
                    bytes INTEGER
                );
                """)
        }
        m.registerMigration("v4-typed-errors") { db in
            try db.execute(sql: """
                -- A failed work item's error as the engine had it: its kind (TreeError.Kind) and the
                -- operation that failed, beside the message in `error`.
                ALTER TABLE work ADD COLUMN error_kind TEXT;
                ALTER TABLE work ADD COLUMN error_operation TEXT;
                """)
        }
        m.registerMigration("v5-folder-freeze") { db in
            try db.execute(sql: """
                -- A deny-write freeze: how the share was frozen, and every descriptor of the frozen
                -- folder as it was before (saved before anything changes, restored on rollback).
                ALTER TABLE cutover ADD COLUMN freeze_method TEXT;
                CREATE TABLE frozen_descriptor (
                    share_id INTEGER NOT NULL REFERENCES share(id),
                    path TEXT NOT NULL,
                    sd BLOB NOT NULL,
                    PRIMARY KEY (share_id, path)
                );
                """)
        }
        return m
    }

    func write<T>(_ body: (Database) throws -> T) throws(Failure) -> T {
        do { return try queue.write(body) } catch { throw .query("\(error)") }
    }

    func read<T>(_ body: (Database) throws -> T) throws(Failure) -> T {
        do { return try queue.read(body) } catch { throw .query("\(error)") }
    }
}
