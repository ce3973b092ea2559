import Catalog
import Foundation
import MigrateCore
import MigratePlan

extension SyncPass {
    /// One decided action: the work item, the source entry, what the target holds there now.
    typealias Work = (item: WorkItem, source: Entry, existing: Entry?)

    /// Decides every pair of one folder: the work to do, the subfolders to walk, the mirror
    /// deletes and folder metadata to do at the end (kept in `st`).
    func decide(_ dir: String, _ pairs: [Marcher.Pair], synced: [String: SyncedEntry], _ st: State) -> (work: [Work], descend: [String]) {
        var work: [Work] = []
        var descend: [String] = []
        let descriptors = prefetchDescriptors(pairs, synced: synced, check: st.aclCheck)
        for pair in pairs {
            if pair.target != nil { st.targetEntries += 1 }
            guard let src = pair.source else {
                // The share root is never a mirror delete, whatever a listing says.
                if mapping.mirror, let t = pair.target, !t.path.isEmpty {
                    st.deletes.append(t)
                    if let f = st.folders[dir] { st.scheduleFolderMetadata(f) }
                }
                continue
            }
            st.summary.counts.sourceEntries += 1
            var action = detector.decide(source: src, target: pair.target, synced: synced[src.path])
            if action == nil, aclChanged(src, known: synced[src.path]?.sdHash, descriptors, st.aclCheck) { action = .metadata }
            if src.kind == .directory {
                st.folders[src.path] = src
                descend.append(src.path)
                if action == .metadata { st.scheduleFolderMetadata(src) }
                if action == nil { st.summary.counts.skipped += 1 }
                guard action == .mkdir else { continue }
                st.scheduleFolderMetadata(src)
                st.newFolders.insert(src.path)
            }
            guard let action else { st.summary.counts.skipped += 1; continue }
            let size = action == .copy || action == .update ? src.size : 0
            work.append((WorkItem(path: src.path, action: action, kind: src.kind, size: size), src, action == .copy ? nil : pair.target))
        }
        return (work, descend)
    }

    /// Whether an entry that looks unchanged has a descriptor other than the one last synced
    /// (only for the entries the ACL check covers).
    func aclChanged(_ src: Entry, known: String?, _ prefetched: [String: SecurityDescriptor], _ check: ACLCheck) -> Bool {
        guard check == .all || (check == .folders && src.kind == .directory), let known,
              let sdTree = source as? any SecurityDescriptorTree,
              let sd = prefetched[src.path] ?? (try? sdTree.securityDescriptor(src.path)) else { return false }
        return FileCopier.hash(translator.sourceView(sd)) != known
    }

    /// The descriptors the ACL check of this folder's children will compare, read together where
    /// the source can (one exchange per batch instead of one per entry).
    func prefetchDescriptors(_ pairs: [Marcher.Pair], synced: [String: SyncedEntry], check: ACLCheck) -> [String: SecurityDescriptor] {
        guard check != .none, let batch = source as? any BatchSecurityDescriptorTree else { return [:] }
        let paths = pairs.compactMap { p -> String? in
            guard let s = p.source, check == .all || s.kind == .directory, synced[s.path]?.sdHash != nil else { return nil }
            return s.path
        }
        return paths.count > 1 ? batch.securityDescriptors(paths) : [:]
    }

    func resolveACLCheck(_ rootPairs: [Marcher.Pair]) -> ACLCheck {
        guard options.copySecurity, source is any SecurityDescriptorTree else { return .none }
        guard options.aclCheck == .auto else { return options.aclCheck }
        let entries = rootPairs.compactMap(\.source)
        let unmaintained = !entries.isEmpty && entries.allSatisfy { $0.times.changed == nil || $0.times.changed == $0.times.modified }
        if unmaintained { log?.line("acl-check", "the source reports write times as change times: folder ACLs are read each pass") }
        return unmaintained ? .folders : .none
    }
}
