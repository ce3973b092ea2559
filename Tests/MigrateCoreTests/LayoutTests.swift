import Foundation
import XCTest

/// Every `import` under Sources/ against the module table in README's Layout section: the engine,
/// the cutover and the reports never reach the SMB layer, only SMBKit reaches the C libraries,
/// and the CLI reaches the rest only through the use cases.
final class LayoutTests: XCTestCase {
    static let system: Set<String> = ["Foundation", "Glibc", "Dispatch", "XCTest"]
    static let allowed: [String: Set<String>] = [
        "migrate": ["MigrateCLI"],
        "MigrateCLI": ["UseCases", "Engine", "Cutover", "ArgumentParser"],
        "UseCases": ["SMBCutover", "Reports", "Engine", "Cutover", "Inventory", "Catalog", "SMBKit", "LocalTree", "MigratePlan", "MigrateCore"],
        "SMBCutover": ["Cutover", "Catalog", "SMBKit", "MigrateCore"],
        "Reports": ["Catalog", "Inventory", "MigratePlan", "MigrateCore"],
        "Engine": ["Catalog", "MigratePlan", "MigrateCore"],
        "Cutover": ["Catalog", "MigratePlan", "MigrateCore"],
        "Inventory": ["MigratePlan", "MigrateCore"],
        "Catalog": ["GRDB", "MigrateCore"],
        "SMBKit": ["CSMBClient", "COpenSSL", "MigrateCore"],
        "LocalTree": ["MigrateCore"],
        "MigratePlan": ["Yams", "MigrateCore"],
        "MigrateCore": [],
    ]

    func testEveryImportIsOneTheLayoutAllows() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        var modules: Set<String> = []
        var wrong: [String] = []
        for module in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted() {
            guard let files = FileManager.default.enumerator(atPath: sources.appendingPathComponent(module).path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                modules.insert(module)
                let text = try String(contentsOf: sources.appendingPathComponent(module).appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    // `import X` or `@attribute import X` at the start of a line (Python in a string literal
                    // reads `import sys, json`: lower case, never a Swift module of ours).
                    let words = line.split(separator: " ")
                    guard words.count == 2 && words[0] == "import" || words.count == 3 && words[0].hasPrefix("@") && words[1] == "import" else { continue }
                    let imported = String(words[words.count - 1])
                    guard imported.first?.isUppercase == true else { continue }
                    if Self.system.contains(imported) { continue }
                    if !(Self.allowed[module]?.contains(imported) ?? false) { wrong.append("\(module)/\(file) imports \(imported)") }
                }
            }
        }
        XCTAssertEqual(wrong, [], "imports the layout does not allow")
        XCTAssertEqual(modules, Set(Self.allowed.keys), "every Swift module is in the table, and only those")
    }
}
