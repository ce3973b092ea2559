import Engine
import MigrateCore
import Reports

/// Turns engine events into a progress line: with the total known (the catalog's entries for a
/// delta, the plan's inventory for a first pass), percent and ETA; files copied, bytes, rate,
/// failures and the current path.
final class SyncProgress {
    let output: Output
    let share: String
    let started = monotonicSeconds()
    var examined = 0, files = 0, folders = 0, failed = 0
    var expected: Int?
    var bytes: UInt64 = 0
    var current = ""
    var last = 0.0

    init(output: Output, share: String) { self.output = output; self.share = share }

    func handle(_ e: SyncPass.Event) {
        switch e {
        case .folder(let p): current = p
        case .done(let action, let p, _):
            if action == .mkdir { folders += 1 } else if action == .copy || action == .update { files += 1 }
            current = p
        case .failed: failed += 1
        case .bytes(let n): bytes += UInt64(n)
        case .deleting(let n): current = "deleting \(n) entries"
        case .expected(let n): expected = n
        case .examined(let n): examined = n
        }
        let now = monotonicSeconds()
        guard now - last > 0.25 else { return }
        last = now
        output.progress(Self.line(share: share, examined: examined, expected: expected, files: files, folders: folders, bytes: bytes,
                                  failed: failed, elapsed: now - started, current: current))
    }

    /// `Projects: 45 % of 3131 entries, ETA 12 s; 1405 examined, 312 files and 20 folders copied, 52.1 MiB at 10.2 MiB/s  Alpha/Work 03`
    static func line(share: String, examined: Int, expected: Int?, files: Int, folders: Int, bytes: UInt64, failed: Int,
                     elapsed: Double, current: String) -> String {
        var parts: [String] = []
        if let expected, expected > 0 {
            let fraction = min(Double(examined) / Double(expected), 1)
            var head = "\(Int(fraction * 100)) % of \(expected) entries"
            // An ETA once there is enough to go on (a few percent, a few seconds).
            if fraction >= 0.02, elapsed >= 2, fraction < 1 { head += ", ETA \(Human.duration(elapsed / fraction - elapsed))" }
            parts.append(head)
        }
        parts.append("\(examined) examined, \(files) files and \(folders) folders copied, \(Human.bytes(bytes)) at \(Human.rate(Double(bytes) / max(elapsed, 0.001)))"
                     + (failed > 0 ? ", \(failed) failed" : ""))
        return "\(share): " + parts.joined(separator: "; ") + "  \(current)"
    }

    func finish() { output.clearProgress() }
}
