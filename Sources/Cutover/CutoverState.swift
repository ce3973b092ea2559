/// Where a share stands in its cutover. Stored in the catalog by raw value.
public enum CutoverState: String, Sendable, CaseIterable {
    /// Synced at least once, nothing changed on the servers yet.
    case synced
    case frozen
    case finalSynced = "final-synced"
    case verified
    /// Users reach the target through the namespace.
    case switched
    case decommissioned
    case rolledBack = "rolled-back"
}

/// The steps, in the order a weekend runs them, and the transitions they make.
public enum CutoverStep: String, Sendable, CaseIterable {
    case freeze
    case finalSync = "final-sync"
    case verify
    case `switch`
    case decommission
    case rollback

    /// The states a step may start from.
    public var from: Set<CutoverState> {
        switch self {
        case .freeze: [.synced, .rolledBack]
        case .finalSync: [.frozen]
        case .verify: [.finalSynced]
        case .switch: [.verified]
        case .decommission: [.switched]
        case .rollback: [.frozen, .finalSynced, .verified, .switched]
        }
    }

    public var to: CutoverState {
        switch self {
        case .freeze: .frozen
        case .finalSync: .finalSynced
        case .verify: .verified
        case .switch: .switched
        case .decommission: .decommissioned
        case .rollback: .rolledBack
        }
    }

    /// The weekend's steps, in order (decommission is its own later command).
    public static let weekend: [CutoverStep] = [.freeze, .finalSync, .verify, .switch]

    /// Steps that change a server run only inside a window. Rollback is the way back and may
    /// always run; verify only reads.
    public var needsWindow: Bool { self != .rollback && self != .verify }

    /// What has to happen before this step, for the refusal message.
    static func prerequisite(for state: CutoverState) -> String {
        switch state {
        case .synced, .rolledBack: "freeze"
        case .frozen: "final sync"
        case .finalSynced: "verify"
        case .verified: "switch"
        case .switched: "decommission (or roll back)"
        case .decommissioned: "nothing: the share is decommissioned"
        }
    }
}

/// A step asked for from a state it cannot start from.
public struct IllegalTransition: Error, CustomStringConvertible, Sendable {
    public var share: String
    public var step: CutoverStep
    public var state: CutoverState

    public var description: String {
        if step == .rollback && state == .decommissioned {
            return "share \(share): cannot roll back: it is decommissioned (the old share is offline; restore it by hand from the manifest)"
        }
        if step == .rollback { return "share \(share): nothing to roll back: it is \(state.rawValue)" }
        return "share \(share): cannot \(step.rawValue) while \(state.rawValue); next is: \(CutoverStep.prerequisite(for: state))"
    }
}

extension CutoverStep {
    public func check(_ state: CutoverState, share: String) throws(IllegalTransition) {
        guard from.contains(state) else { throw IllegalTransition(share: share, step: self, state: state) }
    }
}
