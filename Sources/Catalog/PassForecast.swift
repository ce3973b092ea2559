import Foundation

/// What a share's next pass will take: one forecast, said before a pass starts and recorded
/// with it, shown by `status` against what it took, and the base of the cutover's freeze gate.
/// A first (full) pass comes from the plan's estimate (what `migrate plan` measured); a delta
/// from the recent completed deltas: the slowest of the last three (a delta costs what the
/// week's changes cost, so one quiet day does not make the next look cheap).
public enum PassForecast {
    public static func next(isDelta: Bool, passes: [PassRecord], estimate: PassRecord.Forecast?) -> PassRecord.Forecast? {
        guard isDelta else { return estimate }
        let deltas = passes.filter { $0.kind == .delta && $0.status == .completed && $0.seconds != nil }.prefix(3)
        guard let slowest = deltas.max(by: { $0.seconds! < $1.seconds! }) else { return nil }
        let basis = deltas.count == 1 ? "the last completed delta (#\(slowest.id))"
            : "the slowest of the last \(deltas.count) completed deltas (#\(slowest.id))"
        return .init(seconds: slowest.seconds!, basis: basis)
    }

    /// The cutover's final sync: the next delta's forecast with a quarter on top (the last delta
    /// before a freeze carries the week's changes) and at least 5 s (connecting, listing and the
    /// catalog take that even when nothing changed). nil until a delta has completed.
    public static func finalSync(passes: [PassRecord]) -> PassRecord.Forecast? {
        guard let next = next(isDelta: true, passes: passes, estimate: nil) else { return nil }
        return .init(seconds: max(next.seconds * 1.25, 5), basis: "\(next.basis) + 25 %")
    }
}
