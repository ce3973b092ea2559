import MigrateCore
import XCTest

/// One suite every `Tree` implementation must pass (rclone's fstests idea). Subclass it,
/// override `makeTree()` to return an empty scratch folder, and list the checks as test methods
/// (XCTest on Linux does not discover test methods inherited from another module).
open class TreeConformance: XCTestCase {
    /// An empty folder to work in, and the path inside the tree that it is.
    open func makeTree() throws -> (tree: any Tree, base: String) {
        throw XCTSkip("abstract suite")
    }

    open func cleanUp(_ tree: any Tree, _ base: String) {}

    func withTree(_ body: (any Tree, String) throws -> Void) throws {
        let (tree, base) = try makeTree()
        defer { cleanUp(tree, base) }
        try body(tree, base)
    }

    func write(_ tree: any Tree, _ path: String, _ bytes: [UInt8]) throws {
        let f = try tree.openForWriting(path)
        try bytes.withUnsafeBytes { try f.write($0) }
        try f.close()
    }

    func read(_ tree: any Tree, _ path: String) throws -> [UInt8] {
        let f = try tree.openForReading(path)
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buf.deallocate() }
        var out: [UInt8] = []
        while true {
            let n = try f.read(into: buf)
            if n == 0 { break }
            out += buf[..<n]
        }
        try f.close()
        return out
    }

    public func checkDataRoundTripsInLargeBlocks() throws {
        try withTree { tree, base in
            var bytes = [UInt8](repeating: 0, count: (3 << 20) + 12345)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) }
            let path = joinPath(base, "data.bin")
            try write(tree, path, bytes)
            XCTAssertEqual(try tree.stat(path).size, UInt64(bytes.count))
            XCTAssertEqual(try tree.stat(path).kind, .file)
            XCTAssertEqual(try read(tree, path), bytes)
            let f = try tree.openForReading(path)
            try f.seek(to: 3 << 20)
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buf.deallocate() }
            XCTAssertEqual(try f.read(into: buf), 12345)
            try f.close()
            // Resuming a copy at 1 MiB keeps what lies before it.
            let w = try tree.openForResuming(path, at: 1 << 20)
            let tail = [UInt8](repeating: 0xee, count: 100)
            try tail.withUnsafeBytes { try w.write($0) }
            try w.close()
            let back = try read(tree, path)
            XCTAssertEqual(Array(back.prefix(1 << 20)), Array(bytes.prefix(1 << 20)), "resume: what lay before")
            XCTAssertEqual(Array(back[(1 << 20)..<((1 << 20) + 100)]), tail, "resume: what was written")
        }
    }

    public func checkListingGivesExactlyTheChildrenWithAwkwardNames() throws {
        try withTree { tree, base in
            let names = ["plain.txt", "with space.doc", "Prévisions – €.xls", "報告書.docx", "literal%41.txt", "hash#1.txt", "semi;colon"]
            for n in names { try write(tree, joinPath(base, n), Array(n.utf8)) }
            try tree.makeDirectory(joinPath(base, "Sub Folder"))
            var seen: [String: Entry] = [:]
            try tree.list(base) { seen[String($0.name)] = $0 }
            XCTAssertEqual(Set(seen.keys), Set(names + ["Sub Folder"]))
            XCTAssertEqual(seen["Sub Folder"]?.kind, .directory)
            XCTAssertEqual(seen["literal%41.txt"]?.size, UInt64("literal%41.txt".utf8.count))
            XCTAssertEqual(seen["報告書.docx"]?.path, joinPath(base, "報告書.docx"))
            XCTAssertEqual(try read(tree, joinPath(base, "literal%41.txt")), Array("literal%41.txt".utf8))
        }
    }

    public func checkTimesAndReadOnlyAttributeAreSet() throws {
        try withTree { tree, base in
            let path = joinPath(base, "old.txt")
            try write(tree, path, Array("2004".utf8))
            let m = Timestamp(seconds: 1_101_823_200, nanoseconds: 123_456_000)   // 2004-11-30, .123456
            let a = Timestamp(seconds: 1_200_000_000)
            try tree.setMetadata(path, times: FileTimes(accessed: a, modified: m), attributes: [.readOnly, .archive])
            let e = try tree.stat(path)
            XCTAssertEqual(e.times.modified, m)
            XCTAssertEqual(e.times.accessed, a)
            XCTAssertTrue(e.attributes.contains(.readOnly))
            try tree.setMetadata(path, times: FileTimes(), attributes: [.archive])
            XCTAssertFalse(try tree.stat(path).attributes.contains(.readOnly))
        }
    }

    public func checkRenameDeleteAndTypedErrors() throws {
        try withTree { tree, base in
            let dir = joinPath(base, "d")
            try tree.makeDirectory(dir)
            try write(tree, joinPath(dir, "a.tmp"), [1, 2, 3])
            try tree.rename(joinPath(dir, "a.tmp"), to: joinPath(dir, "a.txt"))
            XCTAssertEqual(try tree.stat(joinPath(dir, "a.txt")).size, 3)
            XCTAssertThrowsError(try tree.stat(joinPath(dir, "a.tmp"))) { XCTAssertEqual(($0 as? TreeError)?.kind, .notFound) }
            XCTAssertThrowsError(try tree.openForReading(joinPath(dir, "missing"))) { e in
                let te = e as? TreeError
                XCTAssertEqual(te?.kind, .notFound)
                XCTAssertEqual(te?.path, joinPath(dir, "missing"))
                XCTAssertTrue(te?.description.contains(tree.displayName) ?? false)
            }
            XCTAssertThrowsError(try tree.removeDirectory(dir)) { XCTAssertEqual(($0 as? TreeError)?.kind, .notEmpty) }
            XCTAssertThrowsError(try tree.makeDirectory(dir)) { XCTAssertEqual(($0 as? TreeError)?.kind, .alreadyExists) }
            try tree.removeFile(joinPath(dir, "a.txt"))
            try tree.removeDirectory(dir)
            XCTAssertThrowsError(try tree.stat(dir))
        }
    }

    public func checkWalkVisitsEverythingAndPrunes() throws {
        try withTree { tree, base in
            for d in ["a", "a/b", "a/b/c", "skip", "skip/inner"] { try tree.makeDirectory(joinPath(base, d)) }
            for f in ["a/1", "a/b/2", "a/b/c/3", "skip/4", "skip/inner/5", "top"] { try write(tree, joinPath(base, f), [0]) }
            var seen: [String] = []
            try tree.walk(base, onError: { XCTFail("\($0)") }) { e in
                seen.append(String(e.path.dropFirst(base.isEmpty ? 0 : base.count + 1)))
                return e.name != "skip"
            }
            XCTAssertEqual(Set(seen), ["a", "a/b", "a/b/c", "skip", "top", "a/1", "a/b/2", "a/b/c/3"])
        }
    }

    /// The optional abilities a tree declares, each checked where it says it can now: a whole
    /// file written in one exchange (`WholeFileTree`) and read in one (`WholeFileSourceTree`)
    /// with its streams, create time and descriptor; times, attributes and descriptor set in one
    /// exchange (`OneExchangeMetadataTree`); descriptors (`SecurityDescriptorTree`) and streams
    /// (`AlternateStreamTree`) the usual way. Returns the abilities that were exercised.
    @discardableResult
    public func checkOptionalAbilities() throws -> [String] {
        var exercised: [String] = []
        try withTree { tree, base in
            let data = (0..<90_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }
            let created = Timestamp(seconds: 1_073_901_600), modified = Timestamp(seconds: 1_101_823_200, nanoseconds: 500_000_000)
            let sd = try SecurityDescriptor(sddl: "D:PAI(A;;0x1f01ff;;;SY)(A;;0x1f01ff;;;BA)(A;;0x1301bf;;;WD)")
            let path = joinPath(base, "whole.bin")
            if let w = tree as? any WholeFileTree, w.putLimit >= data.count {
                try data.withUnsafeBytes {
                    try w.put(path, through: joinPath(base, ".whole.partial"), data: $0, times: FileTimes(created: created, modified: modified),
                              attributes: [.hidden], securityDescriptor: tree is any SecurityDescriptorTree ? sd : nil)
                }
                XCTAssertEqual(try read(tree, path), data, "put")
                let e = try tree.stat(path)
                XCTAssertEqual(e.times.modified, modified, "put: write time")
                XCTAssertTrue(e.attributes.contains(.hidden), "put: attributes")
                exercised.append("put")
            } else {
                try write(tree, path, data)
                try tree.setMetadata(path, times: FileTimes(created: created, modified: modified), attributes: [.hidden])
            }
            if let s = tree as? any AlternateStreamTree {
                try write(tree, s.streamPath(path, "Zone.Identifier"), Array("[ZoneTransfer]\r\nZoneId=3\r\n".utf8))
                XCTAssertEqual(try s.details(path).streams.map(\.name), ["Zone.Identifier"], "streams")
                exercised.append("streams")
            }
            if let d = tree as? any SecurityDescriptorTree {
                try d.setSecurityDescriptor(path, sd)
                XCTAssertEqual(try d.securityDescriptor(path).dacl, sd.dacl, "descriptor")
                XCTAssertTrue(try d.securityDescriptor(path).isProtected, "the protected flag")
                exercised.append("descriptors")
            }
            if let r = tree as? any WholeFileSourceTree, r.readLimit >= data.count {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
                defer { buffer.deallocate() }
                let whole = try r.readWhole(path, size: UInt64(data.count), into: buffer, withSecurity: true)
                XCTAssertEqual(Array(buffer[..<whole.count]), data, "read whole")
                // (libsmbclient cannot set an SMB1 file's create time exactly: compared where the put set it.)
                if exercised.contains("put") { XCTAssertEqual(whole.created, created, "read whole: create time") }
                XCTAssertNotNil(whole.created, "read whole: create time")
                XCTAssertEqual(whole.securityDescriptor?.dacl, sd.dacl, "read whole: descriptor")
                XCTAssertEqual(whole.streams.map(\.name), tree is any AlternateStreamTree ? ["Zone.Identifier"] : [], "read whole: streams")
                exercised.append("read whole")
            }
            if let m = tree as? any OneExchangeMetadataTree,
               try m.setMetadata(path, kind: .file, times: FileTimes(modified: created), attributes: [.readOnly], securityDescriptor: nil) {
                let e = try tree.stat(path)
                XCTAssertEqual(e.times.modified, created, "one-exchange metadata: write time")
                XCTAssertTrue(e.attributes.contains(.readOnly), "one-exchange metadata: attributes")
                _ = try m.setMetadata(path, kind: .file, times: FileTimes(), attributes: [.normal], securityDescriptor: nil)
                exercised.append("one-exchange metadata")
            }
            try? tree.setMetadata(path, times: FileTimes(), attributes: [.normal])
        }
        return exercised
    }
}

/// Deletes a subtree (tests only).
public func removeTree(_ tree: any Tree, _ path: String) {
    var dirs: [String] = []
    try? tree.walk(path, onError: { _ in }) { e in
        if e.kind == .directory { dirs.append(e.path) } else {
            try? tree.setMetadata(e.path, times: FileTimes(), attributes: [.archive])
            try? tree.removeFile(e.path)
        }
        return true
    }
    for d in dirs.reversed() { try? tree.removeDirectory(d) }
    if !path.isEmpty { try? tree.removeDirectory(path) }
}
