import Glibc

/// A point in time with 100 ns precision, as SMB carries it (NT FILETIME), stored relative to the Unix epoch.
public struct Timestamp: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// 100 ns ticks since 1970-01-01 00:00:00 UTC (negative before).
    public var ticks: Int64

    public init(ticks: Int64) { self.ticks = ticks }
    public init(seconds: Int64, nanoseconds: Int64 = 0) { ticks = seconds * 10_000_000 + nanoseconds / 100 }
    /// From an NT FILETIME (100 ns ticks since 1601-01-01).
    /// A FILETIME past 2^63 (only a broken or hostile server sends one; found by the parsers'
    /// fuzz test, where it trapped) is taken as the latest time there is, never wrapped.
    public init(filetime: UInt64) { ticks = Int64(min(filetime, UInt64(Int64.max))) - Self.filetimeEpochOffset }

    static let filetimeEpochOffset: Int64 = 116_444_736_000_000_000

    public var seconds: Int64 { ticks >= 0 ? ticks / 10_000_000 : (ticks - 9_999_999) / 10_000_000 }
    public var nanoseconds: Int64 { (ticks - seconds * 10_000_000) * 100 }
    public var filetime: UInt64 { UInt64(bitPattern: ticks + Self.filetimeEpochOffset) }
    public var secondsSince1970: Double { Double(ticks) / 10_000_000 }

    /// The same time truncated to a coarser precision (in 100 ns ticks), for comparisons across servers.
    public func truncated(toTicks precision: Int64) -> Timestamp {
        guard precision > 1 else { return self }
        let r = ((ticks % precision) + precision) % precision
        return Timestamp(ticks: ticks - r)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.ticks < b.ticks }

    /// ISO 8601 in UTC, with sub-second digits only when present.
    public var description: String {
        let (y, mo, d, h, mi, s) = Self.civil(seconds)
        var text = "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))"
        let frac = ticks - seconds * 10_000_000
        if frac != 0 { text += "." + pad(Int(frac), 7) }
        return text + "Z"
    }

    private func pad(_ v: Int, _ width: Int) -> String {
        let t = String(v)
        return String(repeating: "0", count: max(0, width - t.count)) + t
    }

    public var year: Int { Self.civil(seconds).0 }

    /// Days-to-civil (Howard Hinnant's algorithm): no Foundation calendar on the hot path.
    static func civil(_ secs: Int64) -> (Int, Int, Int, Int, Int, Int) {
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = Int(secs - days * 86400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d), rem / 3600, (rem / 60) % 60, rem % 60)
    }
}

/// The four NTFS timestamps of an entry. `nil` means the tree could not tell.
public struct FileTimes: Hashable, Codable, Sendable {
    public var created: Timestamp?
    public var accessed: Timestamp?
    public var modified: Timestamp?
    public var changed: Timestamp?

    public init(created: Timestamp? = nil, accessed: Timestamp? = nil, modified: Timestamp? = nil, changed: Timestamp? = nil) {
        self.created = created; self.accessed = accessed; self.modified = modified; self.changed = changed
    }
}

extension Timestamp {
    /// From a POSIX `timespec` (stat, libsmbclient).
    public init(_ ts: timespec) { self.init(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec)) }
}

extension Timestamp {
    /// From a UTC civil date and time (days-from-civil, Howard Hinnant's algorithm).
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        self.init(seconds: days * 86400 + Int64(hour * 3600 + minute * 60 + second))
    }
}
