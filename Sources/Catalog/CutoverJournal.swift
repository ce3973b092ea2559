import Foundation
import GRDB

/// Where one share stands in its cutover and what undoing it needs (saved before anything changes).
public struct CutoverRecord: Sendable, Hashable {
    public var state: String
    public var updated: Double
    /// The source share's permissions before the freeze, exactly as the server gave them.
    public var shareSD: [UInt8]?
    public var frozenSD: [UInt8]?
    public var frozenAt: Double?
    public var dfsLink: String?
    public var dfsOld: String?
    public var dfsNew: String?
    public var verifyReport: String?
    public var manifest: String?
    /// Set by a `deny-write` freeze once every descriptor is saved (`frozen_descriptor`); cleared
    /// when the rollback has restored them.
    public var freezeMethod: String?

    public init(state: String, updated: Double) { self.state = state; self.updated = updated }
}

/// One step of a cutover as it was tried.
public struct CutoverStepRecord: Sendable, Hashable {
    /// How a step ended (`running` while it goes on, or when the process died in it).
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case running, done, failed, refused
        /// Found running by a later run: the process stopped mid-step; the step is redone.
        case interrupted
    }

    public var id: Int64
    public var step: String
    public var from: String
    public var to: String?
    public var status: Status
    public var started: Double
    public var ended: Double?
    public var operatorName: String
    public var forced: String?
    public var detail: String?
    public var undo: String?
}

extension CatalogDatabase {
    public func cutover(share: Int64) throws(Failure) -> CutoverRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM cutover WHERE share_id = ?", arguments: [share]).map { r in
                var c = CutoverRecord(state: r["state"], updated: r["updated"])
                c.shareSD = (r["share_sd"] as Data?).map { [UInt8]($0) }
                c.frozenSD = (r["frozen_sd"] as Data?).map { [UInt8]($0) }
                c.frozenAt = r["frozen_at"]; c.dfsLink = r["dfs_link"]; c.dfsOld = r["dfs_old"]; c.dfsNew = r["dfs_new"]
                c.verifyReport = r["verify_report"]; c.manifest = r["manifest"]; c.freezeMethod = r["freeze_method"]
                return c
            }
        }
    }

    public func saveCutover(share: Int64, _ c: CutoverRecord) throws(Failure) {
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO cutover (share_id, state, updated, share_sd, frozen_sd, frozen_at, dfs_link, dfs_old, dfs_new,
                    verify_report, manifest, freeze_method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [share, c.state, c.updated, c.shareSD.map { Data($0) }, c.frozenSD.map { Data($0) }, c.frozenAt,
                                 c.dfsLink, c.dfsOld, c.dfsNew, c.verifyReport, c.manifest, c.freezeMethod])
        }
    }

    /// Records that a step starts; the returned id finishes it.
    public func beginStep(share: Int64, step: String, from: String, operatorName: String, forced: String?, at time: Double) throws(Failure) -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO cutover_step (share_id, step, from_state, status, started, operator, forced) VALUES (?, ?, ?, 'running', ?, ?, ?)",
                           arguments: [share, step, from, time, operatorName, forced])
            return db.lastInsertedRowID
        }
    }

    public func finishStep(_ id: Int64, status: CutoverStepRecord.Status, to: String?, detail: String?, undo: String? = nil, at time: Double) throws(Failure) {
        try write { db in
            try db.execute(sql: "UPDATE cutover_step SET status = ?, to_state = ?, detail = ?, undo = coalesce(?, undo), ended = ? WHERE id = ?",
                           arguments: [status.rawValue, to, detail, undo, time, id])
        }
    }

    /// Refusals are recorded too (who tried what, outside which window), then closed at once.
    public func recordRefusal(share: Int64, step: String, from: String, operatorName: String, reason: String, at time: Double) throws(Failure) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO cutover_step (share_id, step, from_state, status, started, ended, operator, detail)
                VALUES (?, ?, ?, 'refused', ?, ?, ?, ?)
                """, arguments: [share, step, from, time, time, operatorName, reason])
        }
    }

    public func steps(share: Int64) throws(Failure) -> [CutoverStepRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM cutover_step WHERE share_id = ? ORDER BY id", arguments: [share]).map { r in
                CutoverStepRecord(id: r["id"], step: r["step"], from: r["from_state"], to: r["to_state"], status: CutoverStepRecord.Status(rawValue: r["status"]) ?? .interrupted,
                                  started: r["started"], ended: r["ended"], operatorName: r["operator"], forced: r["forced"],
                                  detail: r["detail"], undo: r["undo"])
            }
        }
    }

    /// A deny-write freeze's saved descriptors replace any earlier ones of the share, in one transaction.
    public func saveFrozenDescriptors(share: Int64, _ descriptors: [(path: String, sd: [UInt8])]) throws(Failure) {
        try write { db in
            try db.execute(sql: "DELETE FROM frozen_descriptor WHERE share_id = ?", arguments: [share])
            let insert = try db.makeStatement(sql: "INSERT INTO frozen_descriptor (share_id, path, sd) VALUES (?, ?, ?)")
            for d in descriptors { try insert.execute(arguments: [share, d.path, Data(d.sd)]) }
        }
    }

    /// The saved descriptors, parents before children.
    public func frozenDescriptors(share: Int64) throws(Failure) -> [(path: String, sd: [UInt8])] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT path, sd FROM frozen_descriptor WHERE share_id = ? ORDER BY path", arguments: [share])
                .map { (path: $0["path"], sd: [UInt8]($0["sd"] as Data)) }
        }
    }
}
