import Catalog
import MigrateCore

/// The one pure function that decides (rclone's idea): size, then write time at the coarser
/// precision of the two sides, then the source change time against the catalog (a file's change
/// time moves when its ACL or attributes change, so no descriptor has to be fetched to notice).
public struct ChangeDetector: Sendable {
    /// Compare write times at this precision in 100 ns ticks (10 = 1 µs, what utimes carries).
    public var precision: Int64

    public init(precision: Int64 = 10, fatTimes: Bool = false) {
        self.precision = fatTimes ? 20_000_000 : max(precision, 1)
    }

    /// For a pair of trees: the coarser side's precision, never finer than the microsecond that
    /// utimes sets (what a pass compares and what verification compares, alike).
    public init(source: any Tree, target: any Tree, fatTimes: Bool) {
        self.init(precision: max(source.timePrecision, target.timePrecision, 10), fatTimes: fatTimes)
    }

    /// What a pass must do to make the target entry equal to its source, as the work item it
    /// records: `mkdir` for a folder that is missing (or is a file on the target, which it
    /// replaces), `copy` for a missing file, `update` for changed data (or a folder on the
    /// target, which it replaces), `metadata` when only times, attributes or the ACL moved;
    /// nil when nothing did.
    public func decide(source: Entry, target: Entry?, synced: SyncedEntry?) -> WorkItem.Action? {
        guard let target else { return source.kind == .directory ? .mkdir : .copy }
        if source.kind != target.kind { return source.kind == .directory ? .mkdir : .update }
        if source.kind == .file {
            if source.size != target.size { return .update }
            if !sameTime(source.times.modified, target.times.modified) { return .update }
        }
        // Same data. Has the source's metadata moved since we last made them equal?
        guard let synced, synced.kind == source.kind else { return .metadata }
        if let c = source.times.changed, c != synced.changed { return .metadata }
        if source.attributes.intersection(.portable) != target.attributes.intersection(.portable) { return .metadata }
        if source.kind == .directory, !sameTime(source.times.modified, target.times.modified) { return .metadata }
        return nil
    }

    func sameTime(_ a: Timestamp?, _ b: Timestamp?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        if precision >= 20_000_000 {
            // FAT-style: equal within 2 s, either way (robocopy /FFT).
            return abs(a.ticks - b.ticks) <= precision
        }
        return a.truncated(toTicks: precision) == b.truncated(toTicks: precision)
    }
}
