import Foundation

/// Where a DFS link points: a share on a server.
public struct LinkTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    public var server: String
    public var share: String
    public init(server: String, share: String) { self.server = server; self.share = share }
    /// From `\\server\share` (either slash).
    public init?(unc: some StringProtocol) {
        let parts = unc.replacingOccurrences(of: "\\", with: "/").split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return nil }
        self.init(server: parts[0], share: parts[1])
    }
    public var description: String { "\\\\\(server)\\\(share)" }
    /// Same target, host and share compared without case (as Windows does).
    public func matches(_ o: LinkTarget) -> Bool {
        server.lowercased() == o.server.lowercased() && share.lowercased() == o.share.lowercased()
    }
}
