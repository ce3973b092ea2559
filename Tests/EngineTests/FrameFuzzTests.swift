import Catalog
@testable import Engine
import MigrateCore
import TreeConformance
import XCTest

/// The frames between the coordinator and its workers, mutated: a corrupt frame is an error
/// (the worker is replaced), never a trap in the coordinator.
final class FrameFuzzTests: XCTestCase {
    func testJobAndResultFramesDecodeOrFailCleanly() {
        let entry = Entry(path: "Docs/ä.txt", kind: .file, size: 12, times: FileTimes(created: Timestamp(ticks: 1), modified: Timestamp(ticks: 2)),
                          attributes: [.archive, .hidden])
        let job = WorkJob(id: 7, action: .update, entry: entry, existing: entry).encoded()
        var gaps = SourceGaps()
        gaps.descriptors = true; gaps.descriptorError = "not supported"
        let ok = WorkResult(id: 7, synced: SyncedEntry(path: entry.path, kind: .file, size: 12, modified: Timestamp(ticks: 2), changed: nil,
                                                       created: nil, attributes: [.archive], sdHash: "ab"),
                            acl: .init(), attempts: 1, error: nil, bytes: 12, resumed: 0, missing: gaps).encoded()
        let failed = WorkResult(id: 8, synced: nil, acl: .init(), attempts: 3,
                                error: TreeError(.busy, tree: "//s/S", path: "x", operation: "copy", detail: "locked"), bytes: 0).encoded()
        Fuzz.run([job], count: 3000) { _ = try? WorkJob(decoding: $0) }
        Fuzz.run([ok, failed], count: 3000) { _ = try? WorkResult(decoding: $0) }
    }
}
