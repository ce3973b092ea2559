/// What a folder inherits from its parent (MS-DTYP 2.5.3.4, for a container): a folder moved
/// into another place keeps its own (explicit) ACEs and its protected flag, and takes its
/// inherited ones from its new parent, as Windows computes them when a folder is created there.
public enum InheritedACL {
    static let creatorOwner = SID("S-1-3-0")!
    static let creatorGroup = SID("S-1-3-1")!

    /// `folder`'s descriptor with its inherited ACEs replaced by those `parent` passes to a
    /// folder; a protected DACL inherits nothing and is returned as it is.
    public static func rebased(_ folder: SecurityDescriptor, under parent: SecurityDescriptor) -> SecurityDescriptor {
        guard !folder.isProtected else { return folder }
        var out = folder
        out.dacl = folder.explicitDACL + inheritedByFolder(from: parent.dacl ?? [], owner: folder.owner, group: folder.group)
        out.control.insert(.daclPresent)
        out.control.insert(.daclAutoInherited)
        return out
    }

    /// The ACEs a child folder inherits from these parent ACEs.
    public static func inheritedByFolder(from parent: [ACE], owner: SID?, group: SID?) -> [ACE] {
        var out: [ACE] = []
        let propagating: ACE.Flags = [.objectInherit, .containerInherit]
        for a in parent where a.type == .accessAllowed || a.type == .accessDenied {
            let f = a.flags
            let noPropagate = f.contains(.noPropagateInherit)
            if f.contains(.containerInherit) {
                let creator = a.sid == creatorOwner ? owner : a.sid == creatorGroup ? group : nil
                if a.sid == creatorOwner || a.sid == creatorGroup {
                    // Effective for the folder as its owner (group); passed on as the creator entry itself.
                    if let creator { out.append(ACE(type: a.type, flags: [.inherited], mask: a.mask, sid: creator)) }
                    if !noPropagate { out.append(ACE(type: a.type, flags: f.intersection(propagating).union([.inheritOnly, .inherited]), mask: a.mask, sid: a.sid)) }
                } else {
                    out.append(ACE(type: a.type, flags: noPropagate ? [.inherited] : f.intersection(propagating).union(.inherited), mask: a.mask, sid: a.sid))
                }
            } else if f.contains(.objectInherit) && !noPropagate {
                // Not for the folder itself: only for the files in it.
                out.append(ACE(type: a.type, flags: [.objectInherit, .inheritOnly, .inherited], mask: a.mask, sid: a.sid))
            }
        }
        return out
    }
}
