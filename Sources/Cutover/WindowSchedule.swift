import Foundation
import MigratePlan

/// The plan's cutover windows against a clock.
public struct WindowSchedule: Sendable {
    public let windows: [CutoverWindow]

    public init(_ windows: [CutoverWindow]) { self.windows = windows.sorted { $0.start < $1.start } }

    public func window(at date: Date) -> CutoverWindow? { windows.first { $0.contains(date) } }

    public func next(after date: Date) -> CutoverWindow? { windows.first { $0.start > date } }

    /// "2026-11-28 18:00 Europe/Berlin".
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return "\(f.string(from: date)) \(zone.identifier)"
    }

    public static func describe(_ w: CutoverWindow) -> String {
        "\(format(w.start, in: w.timeZone)) to \(format(w.end, in: w.timeZone))"
    }
}

/// The clock cutover decisions are made by. `MIGRATE_NOW` (ISO 8601) sets it for rehearsals and tests.
public struct CutoverClock: Sendable {
    let fixed: Date?
    public init(fixed: Date? = nil) { self.fixed = fixed }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> CutoverClock {
        guard let text = env["MIGRATE_NOW"], !text.isEmpty else { return CutoverClock() }
        let f = ISO8601DateFormatter()
        guard let d = f.date(from: text) else {
            throw CutoverError.badInput("MIGRATE_NOW='\(text)' is not an ISO 8601 time such as 2026-11-28T19:00:00+01:00")
        }
        return CutoverClock(fixed: d)
    }

    public var now: Date { fixed ?? Date() }
    public var isRehearsal: Bool { fixed != nil }
}
