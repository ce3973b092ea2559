import MigrateCore

/// Measures how fast a source share reads: one large file (up to 64 MiB) for bytes/s and up to
/// 40 small files for files/s. Gives the duration estimate a real basis on this network.
public enum ReadRateProbe {
    public static func measure(tree: any Tree, largest: String?, smallFiles: [String]) -> (bytesPerSecond: Double?, filesPerSecond: Double?) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var bps: Double?
        if let largest {
            let t0 = monotonicSeconds()
            var total = 0
            if let f = try? tree.openForReading(largest) {
                while total < 64 << 20, let n = try? f.read(into: buffer), n > 0 { total += n }
                try? f.close()
            }
            let dt = monotonicSeconds() - t0
            if total >= 4 << 20, dt > 0 { bps = Double(total) / dt }
        }
        var fps: Double?
        if !smallFiles.isEmpty {
            let t0 = monotonicSeconds()
            var done = 0
            for path in smallFiles.prefix(40) {
                guard let f = try? tree.openForReading(path) else { continue }
                while let n = try? f.read(into: buffer), n > 0 {}
                try? f.close()
                done += 1
            }
            let dt = monotonicSeconds() - t0
            if done > 0, dt > 0 { fps = Double(done) / dt }
        }
        return (bps, fps)
    }

    /// Copy time: bytes at the measured rate, plus per-file overhead from the small-file rate.
    public static func estimate(files: Int, bytes: UInt64, bytesPerSecond: Double?, filesPerSecond: Double?) -> Double? {
        let perFile = filesPerSecond.map { 1 / $0 }
        guard let bps = bytesPerSecond, bps > 0 else { return perFile.map { Double(files) * $0 } }
        return Double(bytes) / bps + Double(files) * (perFile ?? 0)
    }
}
