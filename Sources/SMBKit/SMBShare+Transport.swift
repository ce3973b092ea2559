import MigrateCore

/// What serves a share, said once per pass and in the plan report: the direct SMB2 session and
/// its protection, the direct SMB1 session, or libsmbclient and why.
extension SMBShare: TransportDescribingTree {
    public var transportSummary: String {
        var parts: [String] = []
        if case .open(let s) = compound { parts.append(s.summary) }
        if case .open(let s) = reader { parts.append(s.summary) }
        if !parts.isEmpty { return parts.joined(separator: "; ") }
        let o = context.options
        let why = context.credentials.kerberos ? "Kerberos requested"
            : !directSessionsAllowed ? "direct sessions turned off"
            : o.encryption == .desired || o.encryption == .required ? "encryption asked of an SMB1 server"
            : "no direct session possible"
        let protection = o.encryption == .required ? "encryption required" : o.requireSigning ? "signing required" : "signing as the server asks"
        return "libsmbclient (\(why); \(protection))"
    }
}
