/// An NT security descriptor: owner, group, DACL and SACL, with the control flags that matter
/// for migration (above all `dacl protected`, "inheritance disabled").
public struct SecurityDescriptor: Hashable, Codable, Sendable {
    public struct Control: OptionSet, Hashable, Codable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let ownerDefaulted = Control(rawValue: 0x0001)
        public static let groupDefaulted = Control(rawValue: 0x0002)
        public static let daclPresent = Control(rawValue: 0x0004)
        public static let daclDefaulted = Control(rawValue: 0x0008)
        public static let saclPresent = Control(rawValue: 0x0010)
        public static let saclDefaulted = Control(rawValue: 0x0020)
        public static let daclAutoInheritRequired = Control(rawValue: 0x0100)
        public static let saclAutoInheritRequired = Control(rawValue: 0x0200)
        public static let daclAutoInherited = Control(rawValue: 0x0400)
        public static let saclAutoInherited = Control(rawValue: 0x0800)
        public static let daclProtected = Control(rawValue: 0x1000)
        public static let saclProtected = Control(rawValue: 0x2000)
        public static let selfRelative = Control(rawValue: 0x8000)
    }

    public var revision: UInt8
    public var control: Control
    public var owner: SID?
    public var group: SID?
    /// nil: no DACL (everyone has full access); empty: nobody has access.
    public var dacl: [ACE]?
    public var sacl: [ACE]?
    /// ACL revisions as read (2 = NT4, 4 = DS); kept so a descriptor round-trips byte for byte.
    public var daclRevision: UInt8 = 2
    public var saclRevision: UInt8 = 2

    public init(revision: UInt8 = 1, control: Control = [.selfRelative], owner: SID? = nil, group: SID? = nil,
                dacl: [ACE]? = nil, sacl: [ACE]? = nil) {
        self.revision = revision; self.control = control; self.owner = owner; self.group = group
        self.dacl = dacl; self.sacl = sacl
        if dacl != nil { self.control.insert(.daclPresent) }
        if sacl != nil { self.control.insert(.saclPresent) }
    }

    /// Inheritance disabled on this entry ("protected" DACL).
    public var isProtected: Bool { control.contains(.daclProtected) }

    /// Every principal named: owner, group, DACL and SACL trustees.
    public var principals: Set<SID> {
        var all = Set<SID>()
        if let owner { all.insert(owner) }
        if let group { all.insert(group) }
        for ace in (dacl ?? []) + (sacl ?? []) { all.insert(ace.sid) }
        return all
    }

    /// Only the explicit (not inherited) DACL entries.
    public var explicitDACL: [ACE] { (dacl ?? []).filter { !$0.flags.contains(.inherited) } }

    /// The same descriptor with every SID passed through `map`; ACEs whose SID maps to nil are dropped.
    public func mappingSIDs(_ map: (SID) -> SID?) -> SecurityDescriptor {
        var copy = self
        copy.owner = owner.flatMap(map)
        copy.group = group.flatMap(map)
        copy.dacl = dacl?.compactMap { ace in map(ace.sid).map { ACE(type: ace.type, flags: ace.flags, mask: ace.mask, sid: $0) } }
        copy.sacl = sacl?.compactMap { ace in map(ace.sid).map { ACE(type: ace.type, flags: ace.flags, mask: ace.mask, sid: $0) } }
        return copy
    }
}

/// One access control entry.
public struct ACE: Hashable, Codable, Sendable {
    public struct AceType: RawRepresentable, Hashable, Codable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let accessAllowed = AceType(rawValue: 0)
        public static let accessDenied = AceType(rawValue: 1)
        public static let systemAudit = AceType(rawValue: 2)
        public static let systemAlarm = AceType(rawValue: 3)
    }

    public struct Flags: OptionSet, Hashable, Codable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let objectInherit = Flags(rawValue: 0x01)
        public static let containerInherit = Flags(rawValue: 0x02)
        public static let noPropagateInherit = Flags(rawValue: 0x04)
        public static let inheritOnly = Flags(rawValue: 0x08)
        public static let inherited = Flags(rawValue: 0x10)
        public static let successfulAccess = Flags(rawValue: 0x40)
        public static let failedAccess = Flags(rawValue: 0x80)
    }

    public var type: AceType
    public var flags: Flags
    public var mask: UInt32
    public var sid: SID

    public init(type: AceType, flags: Flags, mask: UInt32, sid: SID) {
        self.type = type; self.flags = flags; self.mask = mask; self.sid = sid
    }
}
