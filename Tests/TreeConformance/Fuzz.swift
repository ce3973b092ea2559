/// A small deterministic mutation fuzzer for the parsers' tests: from each seed of a corpus it
/// makes `count` variants (bits flipped, bytes and 16/32/64-bit fields set to edge values,
/// truncated, extended, chunks repeated) and hands each to `body`. A parser that traps ends
/// the test process: the suite fails, and the seed and iteration are in the log.
public enum Fuzz {
    /// SplitMix64: the same variants on every run and machine.
    public struct Generator: RandomNumberGenerator {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let edges: [UInt64] = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000,
                                  0xffff_ffff, 0x1_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff]

    /// One variant of `seed`.
    public static func mutate(_ seed: [UInt8], _ g: inout Generator) -> [UInt8] {
        var b = seed
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            guard !b.isEmpty else { b = [UInt8.random(in: 0...255, using: &g)]; continue }
            let at = Int.random(in: 0..<b.count, using: &g)
            switch Int.random(in: 0..<7, using: &g) {
            case 0: b[at] ^= 1 << UInt8.random(in: 0...7, using: &g)
            case 1: b[at] = UInt8.random(in: 0...255, using: &g)
            case 2, 3:
                // A little-endian field of 2, 4 or 8 bytes set to an edge value (lengths, offsets, counts).
                let width = [2, 4, 8][Int.random(in: 0..<3, using: &g)]
                let value = edges.randomElement(using: &g)! &+ UInt64(bitPattern: Int64.random(in: -1...1, using: &g))
                for i in 0..<width where at + i < b.count { b[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            case 4: b.removeSubrange(at...)
            case 5: b.append(contentsOf: (0..<Int.random(in: 1...64, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) })
            default:
                let end = min(b.count, at + Int.random(in: 1...32, using: &g))
                b.insert(contentsOf: b[at..<end], at: at)
            }
        }
        return b
    }

    /// `count` variants of every seed (and the seeds themselves) through `body`.
    public static func run(_ corpus: [[UInt8]], count: Int = 2000, seed: UInt64 = 0x5eed, _ body: ([UInt8]) -> Void) {
        var g = Generator(seed: seed)
        for s in corpus {
            body(s)
            for _ in 0..<count { body(mutate(s, &g)) }
        }
    }
}
