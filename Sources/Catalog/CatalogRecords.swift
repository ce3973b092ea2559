import MigrateCore

/// What a target entry was last made equal to on the source.
public struct SyncedEntry: Hashable, Sendable, Codable {
    public var path: String
    public var kind: EntryKind
    public var size: UInt64
    public var modified: Timestamp?
    public var changed: Timestamp?
    public var created: Timestamp?
    public var attributes: DOSAttributes
    public var sdHash: String?

    public init(path: String, kind: EntryKind, size: UInt64, modified: Timestamp?, changed: Timestamp?,
                created: Timestamp?, attributes: DOSAttributes, sdHash: String?) {
        self.path = path; self.kind = kind; self.size = size; self.modified = modified; self.changed = changed
        self.created = created; self.attributes = attributes; self.sdHash = sdHash
    }
}

/// One pass over one share.
public struct PassRecord: Hashable, Sendable {
    /// `repair`: the entries a cutover's verification found different, copied again while frozen.
    public enum Kind: String, Sendable { case full, delta, dryRun = "dry-run", repair }
    public enum Status: String, Sendable { case running, completed, failed, stopped }

    public var id: Int64
    public var share: String
    public var kind: Kind
    public var status: Status
    public var started: Double
    public var ended: Double?
    public var counts: PassCounts
    public var message: String?
    /// What the pass was expected to take when it began.
    public var forecast: Forecast? = nil
    /// Its log file.
    public var log: String? = nil

    public struct Forecast: Hashable, Sendable, Codable {
        public var seconds: Double
        /// "the plan's estimate", "the last completed delta"...
        public var basis: String
        public init(seconds: Double, basis: String) { self.seconds = seconds; self.basis = basis }
    }

    public init(id: Int64, share: String, kind: Kind, status: Status, started: Double, ended: Double?, counts: PassCounts,
                message: String? = nil, forecast: Forecast? = nil, log: String? = nil) {
        self.id = id; self.share = share; self.kind = kind; self.status = status; self.started = started; self.ended = ended
        self.counts = counts; self.message = message; self.forecast = forecast; self.log = log
    }

    /// How long it took, when it ended.
    public var seconds: Double? { ended.map { $0 - started } }
}

/// What a pass did, by action.
public struct PassCounts: Hashable, Sendable, Codable {
    /// Files copied (folders are `copiedFolders`); the others count entries, files and folders.
    public var copied = 0
    public var copiedFolders = 0
    public var updated = 0
    public var metadata = 0
    public var deleted = 0
    public var skipped = 0
    public var failed = 0
    public var bytes: UInt64 = 0
    public var sourceEntries = 0
    public init() {}
}

/// A decided action of a pass.
public struct WorkItem: Hashable, Sendable {
    /// `list`: a folder that could not be listed (recorded as failed, so status shows it).
    public enum Action: String, Sendable, CaseIterable { case copy, update, metadata, delete, mkdir, list }
    public enum State: String, Sendable { case pending, done, failed }
    public var path: String
    public var action: Action
    public var kind: EntryKind
    public var size: UInt64
    public var state: State
    public var attempts: Int
    /// A failed item's error: the message, and its kind (nil in catalogs made before v4).
    public var error: String?
    public var errorKind: TreeError.Kind?

    public init(path: String, action: Action, kind: EntryKind, size: UInt64, state: State = .pending, attempts: Int = 0,
                error: String? = nil, errorKind: TreeError.Kind? = nil) {
        self.path = path; self.action = action; self.kind = kind; self.size = size; self.state = state
        self.attempts = attempts; self.error = error; self.errorKind = errorKind
    }
}

extension PassCounts {
    /// "copied 3004 files and 127 folders, updated 0, metadata 1, deleted 0, unchanged 0, failed 0":
    /// files and folders apart, as the plan counts them.
    public func described(verb: String = "copied") -> String {
        "\(verb) \(copied) file\(copied == 1 ? "" : "s") and \(copiedFolders) folder\(copiedFolders == 1 ? "" : "s"), updated \(updated), metadata \(metadata), deleted \(deleted), unchanged \(skipped), failed \(failed)"
    }
}
