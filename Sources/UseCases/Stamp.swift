import Foundation

/// `20261128-190000` (UTC); with `milliseconds`, `20261128-190000-123`: names of reports and
/// logs, which sort in the order they were made even when several come in one second.
public func fileStamp(milliseconds: Bool = false, at date: Date = Date()) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = milliseconds ? "yyyyMMdd-HHmmss-SSS" : "yyyyMMdd-HHmmss"
    return f.string(from: date)
}
