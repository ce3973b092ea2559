/// The ACE a `deny-write` freeze puts first in the DACL of every entry of a frozen folder:
/// Everyone is denied writing data, appending, extended attributes, attributes, deleting and
/// deleting children (creating files and folders is writing and appending on a folder).
/// Reading, and changing permissions (what the rollback needs), stay as they were.
///
/// While a share is frozen this way every pass, verify and repair see the source's descriptors
/// without it (`removingFreezeACE`), so it never reaches the target, and the freeze refuses a
/// folder where an entry already carries an ACE exactly like it (it could not be told apart).
public enum FreezeACE {
    public static let mask: UInt32 = 0x0000_0002 | 0x0000_0004 | 0x0000_0010 | 0x0000_0100 | 0x0000_0040 | 0x0001_0000
    public static let ace = ACE(type: .accessDenied, flags: [], mask: mask, sid: SID("S-1-1-0")!)
}

extension SecurityDescriptor {
    /// Whether the DACL holds the freeze's ACE.
    public var hasFreezeACE: Bool { dacl?.contains(FreezeACE.ace) ?? false }

    /// The descriptor with the freeze's ACE first in its DACL (a missing DACL, which lets
    /// everyone in, becomes the deny plus full control for everyone: the same rights but writing).
    public var addingFreezeACE: SecurityDescriptor {
        var sd = self
        if hasFreezeACE { return sd }
        let rest = dacl ?? [ACE(type: .accessAllowed, flags: [], mask: 0x001f_01ff, sid: SID("S-1-1-0")!)]
        sd.dacl = [FreezeACE.ace] + rest
        sd.control.insert(.daclPresent)
        return sd
    }

    /// The descriptor as it was before a `deny-write` freeze added its ACE.
    public var removingFreezeACE: SecurityDescriptor {
        guard hasFreezeACE else { return self }
        var sd = self
        sd.dacl?.removeAll { $0 == FreezeACE.ace }
        return sd
    }
}
