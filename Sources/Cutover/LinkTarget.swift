import Foundation

/// Where a DFS link points: a share on a server, or a folder inside one
/// (`\\fs2025\Departments\Finance`).
public struct LinkTarget: Sendable, Hashable, CustomStringConvertible {
    public var server: String
    public var share: String
    /// A folder inside the share, its parts joined by backslashes; "" for the share itself.
    public var folder: String

    public init(server: String, share: String, folder: String = "") {
        self.server = server; self.share = share
        self.folder = folder.split(whereSeparator: { $0 == "/" || $0 == "\\" }).joined(separator: "\\")
    }

    /// From `\\server\share[\folder...]` (either slash).
    public init?(unc: some StringProtocol) {
        let parts = unc.replacingOccurrences(of: "\\", with: "/").split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return nil }
        self.init(server: parts[0], share: parts[1], folder: parts.dropFirst(2).joined(separator: "\\"))
    }

    /// The share as netdfs takes it: `Departments\Finance` for a folder target.
    public var sharePath: String { folder.isEmpty ? share : share + "\\" + folder }

    public var description: String { "\\\\\(server)\\\(sharePath)" }

    /// Same target, compared without case (as Windows does).
    public func matches(_ o: LinkTarget) -> Bool {
        server.lowercased() == o.server.lowercased() && sharePath.lowercased() == o.sharePath.lowercased()
    }
}
