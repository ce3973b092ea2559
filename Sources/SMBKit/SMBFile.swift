import CSMBClient
import Glibc
import MigrateCore

/// An open file on a share. libsmbclient splits large reads into parallel SMB requests,
/// so callers should pass buffers of 1 MiB or more.
final class SMBFile: ReadableFile, WritableFile {
    let share: SMBShare
    let path: String
    private var handle: OpaquePointer?

    init(share: SMBShare, path: String, handle: OpaquePointer) {
        self.share = share; self.path = path; self.handle = handle
    }

    deinit { if handle != nil { try? close() } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TreeError) -> Int {
        let c = try share.ctx
        let n = csmb_smbc_getFunctionRead(c)(c, handle, buffer.baseAddress, buffer.count)
        if n < 0 { throw share.fail(path, "read") }
        return n
    }

    func seek(to offset: UInt64) throws(TreeError) {
        let c = try share.ctx
        if csmb_smbc_getFunctionLseek(c)(c, handle, off_t(offset), SEEK_SET) < 0 { throw share.fail(path, "seek") }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TreeError) {
        let c = try share.ctx
        var done = 0
        while done < bytes.count {
            let n = csmb_smbc_getFunctionWrite(c)(c, handle, bytes.baseAddress! + done, bytes.count - done)
            if n <= 0 { throw share.fail(path, "write") }
            done += n
        }
    }

    func close() throws(TreeError) {
        guard let h = handle else { return }
        handle = nil
        let c = try share.ctx
        if csmb_smbc_getFunctionClose(c)(c, h) < 0 { throw share.fail(path, "close") }
    }
}
