import MigrateCore

/// Which descriptor parts a read asks for: owner, group, DACL and, while the account may, the
/// SACL (it needs SeSecurityPrivilege). The first refusal of the SACL, before anything is known,
/// is learnt (`learnt(false)`) and the read is made again without it; a success teaches `true`.
func readingSACLWhileAllowed<T>(_ known: Bool?, learnt: (Bool) -> Void, _ read: (UInt32) throws(TreeError) -> T) throws(TreeError) -> T {
    let base = SecurityDescriptorChannel.owner | SecurityDescriptorChannel.group | SecurityDescriptorChannel.dacl
    guard known != false else { return try read(base) }
    do {
        let r = try read(base | SecurityDescriptorChannel.sacl)
        learnt(true)
        return r
    } catch where error.kind == .accessDenied && known == nil {
        learnt(false)
        return try read(base)
    }
}
