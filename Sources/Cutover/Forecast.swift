import Catalog
import Foundation

/// How long the final sync will take, from the recent delta passes: the slowest of the last
/// three, with a quarter on top (the last delta before a freeze carries the week's changes).
public enum FinalSyncForecast {
    public static func seconds(from passes: [PassRecord]) -> Double? {
        let deltas = passes.filter { $0.kind == .delta && $0.status == .completed && $0.ended != nil }.prefix(3)
        guard !deltas.isEmpty else { return nil }
        let slowest = deltas.map { ($0.ended ?? $0.started) - $0.started }.max() ?? 0
        // Connecting, listing and the catalog take a few seconds even when nothing changed.
        return max(slowest * 1.25, 5)
    }
}
