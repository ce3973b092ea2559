import Engine
import Foundation
import XCTest

/// Passes started in the same second get logs of their own.
final class PassLogTests: XCTestCase {
    func testPassesInTheSameSecondGetTheirOwnLogs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("passlog-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.appendingPathComponent("Finance-20261128-190000").path
        var paths: [String] = []
        for i in 0..<3 {
            let log = try PassLog(path: PassLog.unusedPath(base))
            log.line("pass", "pass \(i)")
            paths.append(log.path)
        }
        XCTAssertEqual(paths.map { ($0 as NSString).lastPathComponent },
                       ["Finance-20261128-190000.log", "Finance-20261128-190000-2.log", "Finance-20261128-190000-3.log"])
        for (i, p) in paths.enumerated() {
            let text = try String(contentsOfFile: p, encoding: .utf8)
            XCTAssertTrue(text.hasSuffix("pass \(i)\n") && !text.contains("pass \(i == 0 ? 1 : 0)\n"), text)
        }
    }
}
