import CSMBClient
import Glibc
import MigrateCore

/// Times, attributes and security descriptors through libsmbclient's xattr interface, in the
/// order verified on Samba 4.17 (see docs): dos_attr (create time) -> utimes (precise
/// access/write times, resets attributes) -> chmod (attributes back) -> descriptor last.
extension SMBShare {
    func setXattr(_ path: String, _ name: String, _ value: String, operation: String) throws(TreeError) {
        let c = try ctx
        errno = 0
        let rc = url(path).withCString { u in
            name.withCString { n in value.withCString { v in csmb_smbc_getFunctionSetxattr(c)(c, u, n, v, strlen(v), 0) } }
        }
        // Samba 4.17 may fail an SD set with errno 0: treat it as access denied.
        if rc < 0 { throw fail(path, operation, errno == 0 ? EACCES : errno) }
    }

    public func setMetadata(_ path: String, times: FileTimes, attributes: DOSAttributes?) throws(TreeError) {
        var fields: [String] = []
        // dos_attr.* always sends attributes, filling a missing MODE from libsmbclient's wrong read
        // (the unix mode in hex): send a real value. utimes below resets them to normal anyway.
        let mode = attributes.map { $0.rawValue == 0 ? 0x80 : $0.rawValue } ?? DOSAttributes.archive.rawValue
        fields.append("MODE:0x\(String(mode, radix: 16))")
        if let c = times.created { fields.append("CREATE_TIME:\(c.seconds)") }
        if let a = times.accessed { fields.append("ACCESS_TIME:\(a.seconds)") }
        if let m = times.modified { fields.append("WRITE_TIME:\(m.seconds)") }
        if times.created != nil {
            try setXattr(path, "system.dos_attr.*", fields.joined(separator: ","), operation: "set create time")
        }
        if let a = times.accessed, let m = times.modified {
            var tv = [timeval(tv_sec: Int(a.seconds), tv_usec: Int(a.nanoseconds / 1000)),
                      timeval(tv_sec: Int(m.seconds), tv_usec: Int(m.nanoseconds / 1000))]
            let c = try ctx
            let rc = url(path).withCString { csmb_smbc_getFunctionUtimes(c)(c, $0, &tv) }
            if rc < 0 { throw fail(path, "set times") }
        }
        if let attributes {
            // utimes reset the attributes; chmod maps mode bits back (client "map hidden/system/archive").
            var mode: mode_t = attributes.contains(.readOnly) ? 0o444 : 0o644
            if attributes.contains(.archive) { mode |= 0o100 }
            if attributes.contains(.system) { mode |= 0o010 }
            if attributes.contains(.hidden) { mode |= 0o001 }
            let c = try ctx
            let rc = url(path).withCString { csmb_smbc_getFunctionChmod(c)(c, $0, mode) }
            if rc < 0 { throw fail(path, "set attributes") }
        }
    }

    /// The whole descriptor: owner, group, DACL with its control flags (protected, auto-inherited)
    /// and the SACL when the account holds SeSecurityPrivilege.
    public func securityDescriptor(_ path: String) throws(TreeError) -> SecurityDescriptor {
        if let sd = try directSecurityDescriptor(path) { return sd }
        return try securityChannel.get(path)
    }

    /// Sets what `sd` holds; set it last: once it excludes the account nothing else can be changed.
    public func setSecurityDescriptor(_ path: String, _ sd: SecurityDescriptor) throws(TreeError) {
        try securityChannel.set(path, sd.preparedForSetting)
    }
}

extension SecurityDescriptor {
    /// A self-relative descriptor as a server sent it, or an error naming where it came from.
    static func fromWire(_ bytes: [UInt8], tree: String, path: String) throws(TreeError) -> SecurityDescriptor {
        do { return try SecurityDescriptor(selfRelative: bytes) } catch {
            throw TreeError(.io, tree: tree, path: path, operation: "read security descriptor", detail: error.description)
        }
    }

    /// The server keeps "auto-inherited" only when asked to (the -REQ flags); without it new
    /// children would no longer be marked inherited.
    var preparedForSetting: SecurityDescriptor {
        var sd = self
        if sd.control.contains(.daclAutoInherited) { sd.control.insert(.daclAutoInheritRequired) }
        if sd.control.contains(.saclAutoInherited) { sd.control.insert(.saclAutoInheritRequired) }
        return sd
    }

    /// Which parts a set carries (SECURITY_INFORMATION: owner 1, group 2, DACL 4, SACL 8).
    var securityInformation: UInt32 {
        var info: UInt32 = 0
        if owner != nil { info |= SecurityDescriptorChannel.owner }
        if group != nil { info |= SecurityDescriptorChannel.group }
        if dacl != nil { info |= SecurityDescriptorChannel.dacl }
        if sacl != nil { info |= SecurityDescriptorChannel.sacl }
        return info
    }
}
