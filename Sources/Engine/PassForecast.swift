import Catalog

/// What a share's next pass will take, said before it starts and shown against what it took: a
/// first (full) pass from the plan's estimate (what `migrate plan` measured), a delta from the
/// last completed delta. The cutover's freeze gate asks more of it (`FinalSyncForecast`: the
/// slowest of the recent deltas, with a margin).
public enum PassForecast {
    public static func next(isDelta: Bool, passes: [PassRecord], estimate: PassRecord.Forecast?) -> PassRecord.Forecast? {
        guard isDelta else { return estimate }
        guard let last = passes.first(where: { $0.kind == .delta && $0.status == .completed }), let took = last.seconds else { return nil }
        return .init(seconds: took, basis: "the last completed delta (#\(last.id))")
    }
}
