import Catalog
import Foundation
import MigrateCore
import MigratePlan

extension SyncPass {
    /// Everything a pass accumulates; a class so the march callbacks can share it.
    final class State {
        let shareID: Int64
        let passID: Int64
        var summary: PassSummary
        var targetEntries = 0
        var sourceRootEmpty = false
        var sourceUnlisted = false
        var deletes: [Entry] = []
        var folderMetadata: [Entry] = []
        /// Folders the pass creates: their metadata is part of the copy, not a separate update.
        var newFolders: Set<String> = []
        var aclCheck: ACLCheck = .none
        /// The target side comes from the catalog (see `Options.trustCatalog`).
        var quick = false
        var syncedCache: [String: [String: SyncedEntry]] = [:]
        var pool: WorkerPool?
        var runner: JobRunner!
        var pending: [Int: WorkItem] = [:]
        var nextJob = 0
        /// Source entries of the folders being walked, to re-apply a folder's times once the pass
        /// has written into it (every create, rename or delete moves the target folder's times).
        var folders: [String: Entry] = [:]
        var scheduled: Set<String> = []
        /// Finished copies not yet in the catalog: written together, every `recordEvery` or
        /// `recordSeconds` (a killed pass loses at most those, which the next pass sees as
        /// metadata to set again, not as data to copy).
        var unrecorded: [(entry: SyncedEntry, action: WorkItem.Action, attempts: Int)] = []
        var recorded = Date()
        /// What the source lacks, as the runners (inline and in the workers) have found.
        var missing = SourceGaps()

        func scheduleFolderMetadata(_ e: Entry) {
            if scheduled.insert(e.path).inserted { folderMetadata.append(e) }
        }

        /// The inline runner's copier, for what the coordinator does itself (folders, deletes, cleanup).
        var copier: FileCopier { runner.copier }

        init(shareID: Int64, passID: Int64, summary: PassSummary) {
            self.shareID = shareID; self.passID = passID; self.summary = summary
        }
    }
}
