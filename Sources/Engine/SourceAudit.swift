import Catalog
import Foundation
import MigrateCore
import MigratePlan

/// What decommissioning checks and keeps: that the frozen source still is what the last pass
/// recorded, and a manifest (SHA-256 of every file) as the cold-backup record.
public struct SourceAudit {
    let source: any Tree
    let mapping: ShareMapping
    let catalog: CatalogDatabase
    let shareID: Int64

    public init(source: any Tree, mapping: ShareMapping, catalog: CatalogDatabase, shareID: Int64) {
        self.source = source; self.mapping = mapping; self.catalog = catalog; self.shareID = shareID
    }

    /// Source entries that differ from the catalog (changed, added or gone), up to `limit`.
    public func changes(limit: Int = 100) throws -> [String] {
        var out: [String] = []
        var seen = 0
        // A listing comes one folder at a time: the catalog is read per folder, not per entry.
        var folder: String?
        var recordedChildren: [String: SyncedEntry] = [:]
        try source.walk(onError: { e in out.append("\(e.path) (cannot list: \(e.cause))") }) { e in
            guard mapping.filter.admits(path: e.path, isDirectory: e.kind == .directory) else { return false }
            seen += 1
            guard out.count < limit else { return e.kind == .directory }
            let parent = parentPath(e.path)
            if parent != folder {
                recordedChildren = try catalog.syncedChildren(share: shareID, of: parent)
                folder = parent
            }
            guard let s = recordedChildren[e.path] else { out.append("\(e.path) (added)"); return e.kind == .directory }
            if s.kind != e.kind { out.append("\(e.path) (kind)") }
            else if e.kind == .file && (s.size != e.size || s.modified != e.times.modified) { out.append("\(e.path) (content)") }
            else if e.attributes.intersection(.portable) != s.attributes.intersection(.portable) { out.append("\(e.path) (attributes)") }
            else if let c = e.times.changed, let sc = s.changed, c != sc { out.append("\(e.path) (change time)") }
            return e.kind == .directory
        }
        // The share root has a record of its own (its metadata) but is not walked.
        let recorded = try catalog.syncedCount(share: shareID) - (try catalog.synced(share: shareID, path: "") == nil ? 0 : 1)
        if out.isEmpty && recorded != seen { out.append("\(recorded - seen) entries recorded by the last pass are gone from the source") }
        return out
    }

    /// Writes `sha256sum`-style lines (`<hex>  <path>`) for every file; returns the file count.
    public func writeManifest(to path: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temp = path + ".partial"
        FileManager.default.createFile(atPath: temp, contents: nil)
        guard let out = FileHandle(forWritingAtPath: temp) else { throw CocoaError(.fileWriteNoPermission) }
        var files = 0
        var failure: TreeError?
        try source.walk(onError: { e in failure = failure ?? e }) { e in
            guard mapping.filter.admits(path: e.path, isDirectory: e.kind == .directory) else { return false }
            if e.kind == .file {
                let hash = try Verifier.checksum(source, e.path)
                try out.write(contentsOf: Data("\(hash)  \(e.path)\n".utf8))
                files += 1
            }
            return e.kind == .directory
        }
        try out.close()
        if let failure { throw failure }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temp, toPath: path)
        return files
    }
}
