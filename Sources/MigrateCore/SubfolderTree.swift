/// A folder inside another tree, as a tree of its own: every path is taken relative to the
/// folder, and what comes back is relative to it again. `wrap` keeps the abilities of the tree
/// it wraps (whole-file put and read, descriptors, streams, one-exchange metadata), so copying
/// into a subfolder costs what copying into the tree costs.
public class SubfolderTree: Tree {
    public let inner: any Tree
    /// The folder, relative to `inner`'s root; never empty.
    public let folder: String

    init(_ inner: any Tree, folder: String) { self.inner = inner; self.folder = folder }

    /// The folder `folder` of `inner`, with every optional ability `inner` has.
    public static func wrap(_ inner: any Tree, folder: String) -> SubfolderTree {
        if inner is any (WholeFileTree & WholeFileSourceTree & OneExchangeMetadataTree & AlternateStreamTree) {
            return CapableSubfolderTree(inner, folder: folder)
        }
        return SubfolderTree(inner, folder: folder)
    }

    public var displayName: String { inner.displayName + "/" + folder }

    /// Makes the folder, and each of its parents that is missing, in `inner`.
    public func create() throws(TreeError) {
        var path = ""
        for part in folder.split(separator: "/") {
            path = joinPath(path, String(part))
            do { try inner.makeDirectory(path) } catch where error.kind == .alreadyExists {}
        }
    }

    /// The descriptor of the folder's parent in `inner`, where `inner` has descriptors: what the
    /// folder inherits from on this tree.
    public func parentSecurityDescriptor() throws(TreeError) -> SecurityDescriptor? {
        guard let sd = inner as? any SecurityDescriptorTree else { return nil }
        return try sd.securityDescriptor(parentPath(folder))
    }
    public var timePrecision: Int64 { inner.timePrecision }

    /// The path in `inner`.
    public func inside(_ path: String) -> String { path.isEmpty ? folder : folder + "/" + path }

    /// A path of `inner`, relative to the folder again.
    func outside(_ path: String) -> String {
        path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : path == folder ? "" : path
    }

    func outside(_ e: Entry) -> Entry {
        var e = e
        e.path = outside(e.path)
        return e
    }

    /// Runs a call of `inner`; its errors name the path as this tree knows it.
    func call<T>(_ body: () throws(TreeError) -> T) throws(TreeError) -> T {
        do { return try body() } catch {
            var e = error
            e.path = outside(e.path)
            e.tree = displayName
            throw e
        }
    }

    public func stat(_ path: String) throws(TreeError) -> Entry { outside(try call { () throws(TreeError) in try inner.stat(inside(path)) }) }
    public func list(_ path: String, _ body: (Entry) throws -> Void) throws {
        do { try inner.list(inside(path)) { try body(outside($0)) } } catch let e as TreeError {
            try call { () throws(TreeError) in throw e }
        }
    }
    public func makeDirectory(_ path: String) throws(TreeError) { try call { () throws(TreeError) in try inner.makeDirectory(inside(path)) } }
    public func removeFile(_ path: String) throws(TreeError) { try call { () throws(TreeError) in try inner.removeFile(inside(path)) } }
    public func removeDirectory(_ path: String) throws(TreeError) { try call { () throws(TreeError) in try inner.removeDirectory(inside(path)) } }
    public func rename(_ from: String, to: String) throws(TreeError) { try call { () throws(TreeError) in try inner.rename(inside(from), to: inside(to)) } }
    public func openForReading(_ path: String) throws(TreeError) -> any ReadableFile { try call { () throws(TreeError) in try inner.openForReading(inside(path)) } }
    public func openForWriting(_ path: String) throws(TreeError) -> any WritableFile { try call { () throws(TreeError) in try inner.openForWriting(inside(path)) } }
    public func openForResuming(_ path: String, at offset: UInt64) throws(TreeError) -> any WritableFile {
        try call { () throws(TreeError) in try inner.openForResuming(inside(path), at: offset) }
    }
    public func setMetadata(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError) {
        try call { () throws(TreeError) in try inner.setMetadata(inside(path), times: times, attributes: attributes) }
    }
}

/// A subfolder of a tree that has every optional ability (an SMB share).
final class CapableSubfolderTree: SubfolderTree, WholeFileTree, WholeFileSourceTree, OneExchangeMetadataTree, AlternateStreamTree,
    SettlingTree, TransportDescribingTree {
    var whole: any WholeFileTree { inner as! any WholeFileTree }
    var source: any WholeFileSourceTree { inner as! any WholeFileSourceTree }

    var saclReadable: Bool? { source.saclReadable }
    func securityDescriptor(_ path: String) throws(TreeError) -> SecurityDescriptor { try call { () throws(TreeError) in try source.securityDescriptor(inside(path)) } }
    func setSecurityDescriptor(_ path: String, _ sd: SecurityDescriptor) throws(TreeError) {
        try call { () throws(TreeError) in try source.setSecurityDescriptor(inside(path), sd) }
    }
    var putLimit: Int { whole.putLimit }
    func put(_ path: String, through temporary: String, data: UnsafeRawBufferPointer, times: FileTimes,
             attributes: DOSAttributes, securityDescriptor: SecurityDescriptor?) throws(TreeError) {
        try call { () throws(TreeError) in
            try whole.put(inside(path), through: inside(temporary), data: data, times: times, attributes: attributes, securityDescriptor: securityDescriptor)
        }
    }
    var readLimit: Int { source.readLimit }
    func readWhole(_ path: String, size: UInt64, into buffer: UnsafeMutableRawBufferPointer, withSecurity: Bool) throws(TreeError) -> WholeFile {
        try call { () throws(TreeError) in try source.readWhole(inside(path), size: size, into: buffer, withSecurity: withSecurity) }
    }
    func setMetadata(_ path: String, kind: EntryKind, times: FileTimes, attributes: DOSAttributes,
                     securityDescriptor: SecurityDescriptor?) throws(TreeError) -> Bool {
        try call { () throws(TreeError) in
            try (inner as! any OneExchangeMetadataTree).setMetadata(inside(path), kind: kind, times: times, attributes: attributes,
                                                                    securityDescriptor: securityDescriptor)
        }
    }
    func details(_ path: String) throws(TreeError) -> EntryDetails { try call { () throws(TreeError) in try (inner as! any DetailedTree).details(inside(path)) } }
    func settle() { (inner as? any SettlingTree)?.settle() }
    var transportSummary: String { (inner as? any TransportDescribingTree)?.transportSummary ?? "" }
}
