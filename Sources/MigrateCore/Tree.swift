/// A tree of files: an SMB share or a local folder. Every implementation must:
/// - list a directory without "." and "..", giving cheap metadata for each child;
/// - report every failure as a `TreeError` naming the tree, the path and the cause;
/// - never follow a path outside the tree.
/// A tree is used from one thread at a time (libsmbclient contexts are not thread-safe).
public protocol Tree: AnyObject {
    /// `//server/share` or the folder path, for messages.
    var displayName: String { get }
    /// The finest time precision the tree stores, in 100 ns ticks.
    var timePrecision: Int64 { get }

    /// Metadata of one entry ("" is the root).
    func stat(_ path: String) throws(TreeError) -> Entry
    /// Calls `body` for each child of a directory, streaming.
    func list(_ path: String, _ body: (Entry) throws -> Void) throws
    func makeDirectory(_ path: String) throws(TreeError)
    func removeFile(_ path: String) throws(TreeError)
    func removeDirectory(_ path: String) throws(TreeError)
    func rename(_ from: String, to: String) throws(TreeError)
    func openForReading(_ path: String) throws(TreeError) -> any ReadableFile
    /// Creates or truncates a file.
    func openForWriting(_ path: String) throws(TreeError) -> any WritableFile
    /// Opens an existing file for writing at `offset`, keeping what lies before it (resuming a copy).
    func openForResuming(_ path: String, at offset: UInt64) throws(TreeError) -> any WritableFile
    /// Sets times (nil fields are left alone) and the portable attributes.
    func setMetadata(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError)
}

/// A tree that carries NT security descriptors.
public protocol SecurityDescriptorTree: Tree {
    /// Whether SACLs could be read (they need SeSecurityPrivilege); nil before the first read.
    /// When false, descriptors come without their SACL and callers must say so.
    var saclReadable: Bool? { get }
    func securityDescriptor(_ path: String) throws(TreeError) -> SecurityDescriptor
    func setSecurityDescriptor(_ path: String, _ sd: SecurityDescriptor) throws(TreeError)
}

/// A tree that sets an entry's times, attributes and descriptor in one exchange with the server.
public protocol OneExchangeMetadataTree: Tree {
    /// Sets all three (the descriptor when given); false when it cannot now, and callers then
    /// go the usual way (`setMetadata`, then the descriptor).
    func setMetadata(_ path: String, kind: EntryKind, times: FileTimes, attributes: DOSAttributes,
                     securityDescriptor: SecurityDescriptor?) throws(TreeError) -> Bool
}

/// A tree that writes a whole small file in one exchange with the server: data under the
/// temporary name, descriptor, rename into place, times and attributes. Nothing half-written
/// ever carries the real name; on failure the temporary file may remain (callers remove it).
public protocol WholeFileTree: Tree {
    /// The largest file `put` takes now; 0 when it cannot (callers then write the usual way).
    var putLimit: Int { get }
    /// Replaces a file already at `path`, as a mirror must (also one that appeared since the
    /// listing, e.g. put by an attempt that died before it was recorded); a read-only file or a
    /// folder there must be removed first.
    func put(_ path: String, through temporary: String, data: UnsafeRawBufferPointer, times: FileTimes,
             attributes: DOSAttributes, securityDescriptor: SecurityDescriptor?) throws(TreeError)
}

/// A tree that reads a whole small file with what a copy needs besides the data (create time,
/// alternate data streams, security descriptor) in one exchange with the server.
public protocol WholeFileSourceTree: SecurityDescriptorTree {
    /// The largest file `readWhole` takes now; 0 when it cannot (callers then read the usual way).
    var readLimit: Int { get }
    /// `size` is what the listing said: a file whose size has moved since fails as `.busy`.
    func readWhole(_ path: String, size: UInt64, into buffer: UnsafeMutableRawBufferPointer, withSecurity: Bool) throws(TreeError) -> WholeFile
}

/// What `readWhole` found: `count` bytes of data now in the buffer.
public struct WholeFile: Sendable {
    public var count: Int
    public var created: Timestamp?
    public var streams: [EntryDetails.DataStream]
    public var securityDescriptor: SecurityDescriptor?
    public init(count: Int, created: Timestamp?, streams: [EntryDetails.DataStream], securityDescriptor: SecurityDescriptor?) {
        self.count = count; self.created = created; self.streams = streams; self.securityDescriptor = securityDescriptor
    }
}

/// A tree that may leave requests in flight between calls (an SMB1 close sent with the next
/// file's open): `settle` finishes them, before the tree sits idle for a while.
public protocol SettlingTree: Tree {
    func settle()
}

/// A tree that reads many descriptors in a few exchanges with the server (requests in flight
/// together) rather than one exchange each.
public protocol BatchSecurityDescriptorTree: SecurityDescriptorTree {
    /// The descriptors it could read; a path that failed is left out (callers read it alone).
    func securityDescriptors(_ paths: [String]) -> [String: SecurityDescriptor]
}

public protocol ReadableFile: AnyObject {
    /// Reads up to `count` bytes into `buffer`; 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TreeError) -> Int
    func seek(to offset: UInt64) throws(TreeError)
    func close() throws(TreeError)
}

public protocol WritableFile: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws(TreeError)
    func close() throws(TreeError)
}

extension Tree {
    /// Depth-first walk below `path`, one directory listing at a time (only pending folder paths are
    /// held). `body` returns false to skip a folder's content. Folders that cannot be listed go to
    /// `onError` and the walk goes on.
    public func walk(_ path: String = "", onError: (TreeError) throws -> Void, _ body: (Entry) throws -> Bool) throws {
        var pending = [path]
        while let dir = pending.popLast() {
            var children: [String] = []
            do {
                try list(dir) { entry in
                    if try body(entry), entry.kind == .directory { children.append(entry.path) }
                }
            } catch let error as TreeError {
                try onError(error)
            }
            pending.append(contentsOf: children.reversed())
        }
    }
}

/// A tree that can say how it is reached and how its traffic is protected, for logs and reports.
public protocol TransportDescribingTree: Tree {
    /// "direct SMB 3.1.1, signed AES-128-GMAC", "libsmbclient (Kerberos requested)".
    var transportSummary: String { get }
}
