import Catalog
import Foundation
import MigrateCore
import MigratePlan

extension SyncPass {
    /// The entries deleting `entry` removes from the target: itself and, for a folder, everything
    /// listed below it.
    func entriesBelow(_ entry: Entry) throws -> Int {
        guard entry.kind == .directory else { return 1 }
        var count = 1
        try target.walk(entry.path, onError: { throw $0 }) { _ in count += 1; return true }
        return count
    }

    /// Mirror deletions (behind the guard), then folder metadata deepest first.
    func deleteAndFinish(_ st: State) throws {
        let deletes = st.deletes
        if !deletes.isEmpty {
            var refuse: String?
            if st.sourceRootEmpty {
                refuse = "the source share lists no entries at all while the target has \(st.targetEntries): is the right share mounted? Nothing was deleted."
            } else if st.sourceUnlisted {
                refuse = "some source folders could not be listed; deleting from the target is skipped this pass so nothing is lost."
            } else if !options.allowMassDelete {
                // Count what the deletes take away, subtrees included, against what the target holds.
                var doomed = 0
                for d in deletes {
                    doomed += 1 + (d.kind == .directory ? try catalog.syncedCount(share: st.shareID, below: d.path) : 0)
                }
                let total = max(st.targetEntries, try catalog.syncedCount(share: st.shareID))
                if doomed > options.massDeleteFloor, total > 0, Double(doomed) > options.massDeleteLimit * Double(total) {
                    refuse = "the pass would delete \(doomed) of \(total) target entries (more than \(Int(options.massDeleteLimit * 100)) %); nothing was deleted. Check the source, then rerun with --allow-mass-delete."
                }
            }
            if let refuse {
                // A dry run states the guard's verdict as the real pass would meet it.
                st.summary.stopped = "mirror guard: " + (options.dryRun ? "the real pass would delete nothing: " : "") + refuse
                log?.line("guard", refuse)
            } else if options.dryRun {
                for d in deletes {
                    plan(WorkItem(path: d.path, action: .delete, kind: d.kind, size: d.size), st, entries: try entriesBelow(d))
                }
            } else {
                let items = deletes.map { WorkItem(path: $0.path, action: .delete, kind: $0.kind, size: $0.size) }
                try catalog.enqueue(pass: st.passID, items)
                events(.deleting(deletes.count))
                for (item, entry) in zip(items, deletes).sorted(by: { $0.0.path > $1.0.path }) {
                    try perform(item, entry, nil, st)
                }
            }
        }
        if options.dryRun {
            for f in st.folderMetadata where !st.newFolders.contains(f.path) {
                plan(WorkItem(path: f.path, action: .metadata, kind: .directory, size: 0), st)
            }
            return
        }
        let folders = st.folderMetadata.sorted { $0.depth > $1.depth }
        try catalog.enqueue(pass: st.passID, folders.map { WorkItem(path: $0.path, action: .metadata, kind: .directory, size: 0) })
        // Deepest first; the folders of one depth are independent, so the workers take them
        // together, and each depth is finished before its parents start.
        var start = folders.startIndex
        while start < folders.endIndex {
            let depth = folders[start].depth
            let end = folders[start...].firstIndex { $0.depth != depth } ?? folders.endIndex
            for f in folders[start..<end] {
                try perform(WorkItem(path: f.path, action: .metadata, kind: .directory, size: 0), f, nil, st, parallel: true)
            }
            if let pool = st.pool { try handle(try pool.drain(), st) }
            start = end
        }
    }
}
