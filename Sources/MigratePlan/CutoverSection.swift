import Foundation
import Yams

/// The `cutover` section: windows (with time zones), freeze and decommission methods.
struct CutoverSection {
    let builder: PlanBuilder
    var sink: ProblemSink { builder.sink }

    func build(_ node: Node?) -> CutoverPlan {
        var plan = CutoverPlan(windows: [], freeze: .sharePermissions, closeSessions: true, freezeCommand: nil,
                               decommission: .disableShare, decommissionCommand: nil)
        guard let node, let r = NodeReader(node, sink, what: "'cutover'") else { return plan }
        let windows = r.sequence("windows")
        if let windows, windows.isEmpty {
            sink.add(r.value("windows"), "'windows' is empty: no cutover step could ever run", hint: "list at least one window, or leave the key out")
        }
        for w in windows ?? [] {
            if let window = buildWindow(w) { plan.windows.append(window) }
        }
        let sorted = plan.windows.sorted { $0.start < $1.start }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.start < a.end {
            sink.add(r.value("windows"), "cutover windows overlap", hint: "merge them into one window")
        }
        if let f = r.value("freeze"), let fr = NodeReader(f, sink, what: "'freeze'") {
            plan.freeze = fr.choice("method", default: .sharePermissions)
            plan.closeSessions = fr.bool("close_sessions", default: true)
            plan.freezeCommand = fr.string("command")
            if plan.freeze == .command && plan.freezeCommand == nil {
                sink.add(f, "freeze method 'command' needs 'command'", hint: "the command that makes the share read-only")
            }
            fr.rejectUnknownKeys("freeze")
        }
        if let d = r.value("decommission"), let dr = NodeReader(d, sink, what: "'decommission'") {
            plan.decommission = dr.choice("method", default: .disableShare)
            plan.decommissionCommand = dr.string("command")
            if plan.decommission == .command && plan.decommissionCommand == nil {
                sink.add(d, "decommission method 'command' needs 'command'")
            }
            dr.rejectUnknownKeys("decommission")
        }
        r.rejectUnknownKeys("cutover")
        return plan
    }

    func buildWindow(_ node: Node) -> CutoverWindow? {
        guard let r = NodeReader(node, sink, what: "a cutover window") else { return nil }
        let zoneName = r.string("time_zone", required: true, hint: "an IANA zone such as Europe/Berlin or America/New_York")
        let zone = zoneName.flatMap { TimeZone(identifier: $0) }
        if let zoneName, zone == nil {
            sink.add(r.value("time_zone"), "unknown time zone '\(zoneName)'", hint: "an IANA zone such as Europe/Berlin or UTC")
        }
        let startText = r.string("start", required: true, hint: "start: 2026-11-28 18:00")
        let endText = r.string("end", required: true, hint: "end: 2026-11-30 06:00")
        r.rejectUnknownKeys("cutover window")
        guard let zone else { return nil }
        let start = startText.flatMap { parse($0, zone: zone, node: r.value("start")) }
        let end = endText.flatMap { parse($0, zone: zone, node: r.value("end")) }
        guard let start, let end else { return nil }
        if end <= start {
            sink.add(r.value("end"), "window ends before it starts")
            return nil
        }
        // A window of more than two weeks is a typo (a year 99999, a month for a day).
        if end.timeIntervalSince(start) > 14 * 86_400 {
            sink.add(r.value("end"), "the window lasts \(Int(end.timeIntervalSince(start) / 86_400)) days", hint: "a cutover window is a weekend or a night: at most 14 days")
            return nil
        }
        return CutoverWindow(start: start, end: end, timeZone: zone)
    }

    func parse(_ text: String, zone: TimeZone, node: Node?) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        for format in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss"] {
            f.dateFormat = format
            // Four-digit years only: DateFormatter takes "99999-01-01" too.
            if text.prefix(4).allSatisfy(\.isNumber), text.dropFirst(4).first == "-", let d = f.date(from: text) { return d }
        }
        sink.add(node, "'\(text)' is not a date and time", hint: "write local time in the window's zone: 2026-11-28 18:00")
        return nil
    }
}
