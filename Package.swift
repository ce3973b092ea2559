// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "migrate",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "migrate", targets: ["migrate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // libsmbclient's header (libsmbclient-dev), the library loaded on first use; only SMBKit imports it.
        .systemLibrary(name: "CSMBClient", providers: [.apt(["libsmbclient-dev"])]),
        // OpenSSL's libcrypto (libssl-dev): digests, HMAC, AES-CMAC/GMAC/GCM/CCM; only SMBKit imports it.
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        // Entries, times, attributes, security descriptors, the tree protocol, TreeError, verification results.
        // Imports nothing of ours; every module may import it. (README "Layout" has the whole table; LayoutTests checks it.)
        .target(name: "MigrateCore"),
        // The only Swift code that talks SMB, and the only importer of CSMBClient and COpenSSL.
        .target(name: "SMBKit", dependencies: ["CSMBClient", "COpenSSL", "MigrateCore"]),
        // The tree protocol on a local folder.
        .target(name: "LocalTree", dependencies: ["MigrateCore"]),
        // The plan file: YAML decoding and validation with line:column; a share's source and target (Endpoint).
        .target(name: "MigratePlan", dependencies: ["MigrateCore", "Yams"]),
        // Walks source trees and gathers what the dry-run report needs.
        .target(name: "Inventory", dependencies: ["MigrateCore", "MigratePlan"]),
        // Plan, dry-run, verify and status reports (Markdown, JSON, HTML), from catalog records and core types.
        .target(name: "Reports", dependencies: ["MigrateCore", "MigratePlan", "Inventory", "Catalog"]),
        // The SQLite catalog: shares, passes and their forecasts, summaries, the work queue with typed errors,
        // the last synced state of every entry, the cutover journal.
        .target(name: "Catalog", dependencies: ["MigrateCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // Sync passes, workers, the copy probe, verify and repair, over opened trees (never a transport).
        .target(name: "Engine", dependencies: ["MigrateCore", "MigratePlan", "Catalog"]),
        // The cutover state machine, windows, runbook; the providers' protocols and operator-command forms. No SMB.
        .target(name: "Cutover", dependencies: ["MigrateCore", "MigratePlan", "Catalog"]),
        // The cutover's providers over SMB: srvsvc freeze, netdfs switch, disable-share.
        .target(name: "SMBCutover", dependencies: ["MigrateCore", "Catalog", "Cutover", "SMBKit"]),
        // The use cases: open a plan's session (credentials, trees, catalog), plan, sync a share,
        // run a cutover step, verify, status. The only module that knows every other one.
        .target(name: "UseCases", dependencies: [
            "MigrateCore", "SMBKit", "SMBCutover", "LocalTree", "MigratePlan", "Inventory", "Reports", "Engine", "Catalog", "Cutover",
        ]),
        // The command line: parses arguments, calls one use case, renders on the terminal.
        .target(name: "MigrateCLI", dependencies: [
            "UseCases", "Engine", "Cutover",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "migrate", dependencies: ["MigrateCLI"]),
        // Test support: the tree conformance suite (run against every Tree implementation), a tamper relay, a tool runner.
        .target(name: "TreeConformance", dependencies: ["MigrateCore"], path: "Tests/TreeConformance"),
        .testTarget(name: "MigrateCoreTests", dependencies: ["MigrateCore", "LocalTree", "TreeConformance"]),
        .testTarget(name: "SMBKitTests", dependencies: ["SMBKit", "MigrateCore", "TreeConformance"]),
        .testTarget(name: "MigratePlanTests", dependencies: ["MigratePlan", "MigrateCore"]),
        .testTarget(name: "LabTests", dependencies: ["MigrateCore", "SMBKit", "LocalTree", "MigratePlan", "TreeConformance"]),
        .testTarget(name: "InventoryTests", dependencies: ["Inventory", "LocalTree", "MigrateCore", "MigratePlan"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Catalog", "LocalTree", "MigrateCore", "MigratePlan", "TreeConformance"]),
        .testTarget(name: "CLITests", dependencies: ["MigrateCLI", "MigrateCore", "TreeConformance"], exclude: ["Snapshots", "Hostile"]),
        .testTarget(name: "CutoverTests", dependencies: ["Cutover", "Catalog", "MigratePlan", "MigrateCore"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "MigrateCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Catalog", "MigratePlan", "MigrateCore"]),
    ]
)
