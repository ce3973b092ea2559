import Catalog
import Foundation
import MigrateCore
import MigratePlan

extension SyncPass {
    /// Walks source and target in lock step, folder by folder: the share root's own metadata
    /// first, then each folder's pairs decided and dispatched before the walk goes deeper.
    func march(_ st: State) throws {
        // The share root's own times, attributes and ACL travel too (robocopy /COPYALL does the same).
        if let srcRoot = try? source.stat("") {
            st.folders[""] = srcRoot
            let synced = try catalog.synced(share: st.shareID, path: "")
            // A mapped target folder a dry run finds missing is one the pass makes, then gives the root's metadata.
            let dstRoot = try? target.stat("")
            if dstRoot == nil && target is SubfolderTree || dstRoot.map({ detector.decide(source: srcRoot, target: $0, synced: synced) == .metadata }) == true {
                st.scheduleFolderMetadata(srcRoot)
            }
        }
        var marcher = Marcher(source: source, target: target, filter: mapping.filter, retries: options.retries,
                              retryWait: options.retryWait, isOwnFile: FileCopier.isTemporaryName)
        if st.quick {
            // What the catalog says each target entry is: the source state it was made equal to.
            marcher.targetListing = { [catalog] dir in
                let synced = try catalog.syncedChildren(share: st.shareID, of: dir)
                st.syncedCache[dir] = synced
                return synced.values.map {
                    Entry(path: $0.path, kind: $0.kind, size: $0.size,
                          times: FileTimes(created: $0.created, modified: $0.modified, changed: $0.changed),
                          attributes: $0.attributes.union($0.kind == .directory ? .directory : []))
                }
            }
        }
        try marcher.march(onError: { error, side in try self.listingFailed(error, side: side, st) }) { dir, pairs, own in
            try self.visit(dir, pairs, own, st)
        }
    }

    /// One folder: its leftovers cleaned up, its pairs decided, the work dispatched; returns the
    /// subfolders to walk next.
    func visit(_ dir: String, _ pairs: [Marcher.Pair], _ own: [Entry], _ st: State) throws -> [String] {
        try stopIfAsked()
        events(.folder(dir))
        if dir.isEmpty { st.aclCheck = resolveACLCheck(pairs) }
        if dir.isEmpty && !pairs.contains(where: { $0.source != nil }) { st.sourceRootEmpty = true }
        removeLeftovers(own, keeping: pairs, st)
        // The dry run reads the catalog too: it decides with the same function over the same state.
        let synced = try st.syncedCache.removeValue(forKey: dir) ?? catalog.syncedChildren(share: st.shareID, of: dir)
        let (work, descend) = decide(dir, pairs, synced: synced, st)
        events(.examined(st.summary.counts.sourceEntries))
        // Metadata-only changes leave the folder's times alone; anything that adds or renames does not.
        if work.contains(where: { $0.item.action != .metadata }) || !own.isEmpty, let f = st.folders[dir] { st.scheduleFolderMetadata(f) }
        st.folders[dir] = nil
        try dispatch(work, st)
        return descend
    }

    /// A folder that cannot be listed is recorded; nothing below it is deleted or copied.
    func listingFailed(_ error: TreeError, side: String, _ st: State) throws {
        st.summary.counts.failed += 1
        // The reason names the server: on the target side it may be one the plan never listed before.
        let reason = "\(error.tree): \(error.reason)"
        st.summary.failures.append(.init(path: error.path, action: "list \(side)", error: error))
        log?.line("error", "list \(side) \(error.path): \(reason)")
        events(.failed(error.path, reason))
        if !options.dryRun {
            try catalog.enqueue(pass: st.passID, [WorkItem(path: error.path, action: .list, kind: .directory, size: 0)])
            try catalog.complete(pass: st.passID, path: error.path, action: .list, attempts: 1, error: error)
        }
        if side == "source" { st.sourceUnlisted = true }
    }

    /// Temporary files of an interrupted pass: never a real name, always ours to remove
    /// (clearing read-only first: it may have been killed half way through its metadata). A large
    /// file's temporary file whose name still matches its unchanged source is kept: the copy resumes from it.
    func removeLeftovers(_ own: [Entry], keeping pairs: [Marcher.Pair], _ st: State) {
        guard !options.dryRun, !own.isEmpty else { return }
        let resumable = Set(pairs.compactMap { p -> String? in
            guard let s = p.source, s.kind == .file, s.size >= FileCopier.resumableSize,
                  p.target == nil || p.target?.size != s.size || p.target?.times.modified != s.times.modified else { return nil }
            return FileCopier.temporaryPath(s)
        })
        for leftover in own where !resumable.contains(leftover.path) {
            do { try st.copier.remove(leftover); log?.line("cleanup", leftover.path) }
            catch { log?.line("error", "cleanup \(leftover.path): \(error)") }
        }
    }
}
