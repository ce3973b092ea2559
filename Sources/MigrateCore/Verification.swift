/// What comparing a source with its target found, and what repairing it did: the values the
/// verifier and the repairer produce and the reports render.

/// One entry that differs, and how.
public struct VerificationDifference: Sendable, Hashable, Codable {
    public var path: String
    public var what: String
    public var source: String
    public var target: String
    public init(path: String, what: String, source: String, target: String) {
        self.path = path; self.what = what; self.source = source; self.target = target
    }
}

/// A comparison of two trees (or of some of their entries).
public struct VerificationResult: Sendable, Codable {
    public var files = 0
    public var folders = 0
    public var bytes: UInt64 = 0
    public var descriptorsCompared = 0
    /// Files whose content was read on both sides and compared.
    public var contentCompared = 0
    /// All differences found, up to `limit`; `differenceCount` counts them all.
    public var differences: [VerificationDifference] = []
    public var differenceCount = 0
    public var seconds = 0.0
    /// What the source does not have at all and so was not compared, said once.
    public var sourceLacks: [String] = []
    public var isClean: Bool { differenceCount == 0 }
    public init() {}
}

/// One repaired entry.
public struct RepairOutcome: Sendable, Hashable, Codable {
    public var path: String
    /// "copied again", "metadata applied again", "removed from the target"
    public var action: String
    /// Why the repair failed; nil when it worked.
    public var error: String?
    public init(path: String, action: String, error: String? = nil) { self.path = path; self.action = action; self.error = error }
}

public struct RepairResult: Sendable, Codable {
    public var outcomes: [RepairOutcome] = []
    /// The entries to verify again (a folder copied again: with everything below it).
    public var recheck: [(path: String, subtree: Bool)] { outcomes.map { ($0.path, $0.action == Self.copiedFolder) } }
    public var failed: [RepairOutcome] { outcomes.filter { $0.error != nil } }
    public static let copiedFolder = "folder copied again with its contents"

    enum CodingKeys: CodingKey { case outcomes }
    public init(outcomes: [RepairOutcome] = []) { self.outcomes = outcomes }
}

/// The cutover's verify: what was found, repaired and found again.
public struct VerificationOutcome: Sendable {
    public var found: VerificationResult
    public var repair: RepairResult?
    public var after: VerificationResult?
    /// Why nothing was repaired although differences were found.
    public var notRepaired: String?

    public init(found: VerificationResult, repair: RepairResult? = nil, after: VerificationResult? = nil, notRepaired: String? = nil) {
        self.found = found; self.repair = repair; self.after = after; self.notRepaired = notRepaired
    }

    public var isClean: Bool {
        if found.isClean { return true }
        guard let repair, let after else { return false }
        return repair.failed.isEmpty && after.isClean
    }

    public var summary: String {
        var s = "\(found.files) files, \(found.folders) folders, \(found.descriptorsCompared) ACLs compared, \(found.differenceCount) differences"
        if let repair {
            s += "; \(repair.outcomes.count - repair.failed.count) entries repaired, \(repair.failed.count) repairs failed"
            if let after { s += ", \(after.differenceCount) differences after the repair" }
        } else if let notRepaired {
            s += "; not repaired: \(notRepaired)"
        }
        return s
    }
}
