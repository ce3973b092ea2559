/// Whether the account a server says a session belongs to (LSA GetUserName: `AUTHORITY\account`)
/// is the plan's: the same account name and, where the plan names a domain, the same domain.
/// A server that logged us on as its own local account of the same name, or as guest, is not.
enum LoggedOnAccount {
    /// The plan's domain and account, from `DOMAIN\user`, `user@realm` or the separate domain.
    static func planned(_ c: SMBCredentials) -> (domain: String, user: String) {
        if let slash = c.user.lastIndex(of: "\\") {
            return (String(c.user[..<slash]), String(c.user[c.user.index(after: slash)...]))
        }
        if let at = c.user.lastIndex(of: "@") {
            return (String(c.user[c.user.index(after: at)...]), String(c.user[..<at]))
        }
        return (c.domain, c.user)
    }

    static func matches(_ who: String, _ c: SMBCredentials) -> Bool {
        let (domain, user) = planned(c)
        let slash = who.lastIndex(of: "\\")
        let account = slash.map { String(who[who.index(after: $0)...]) } ?? who
        let authority = slash.map { String(who[..<$0]) } ?? ""
        guard account.lowercased() == user.lowercased() else { return false }
        guard !domain.isEmpty, !authority.isEmpty else { return true }
        // LSA answers with the NetBIOS name; a plan may give the DNS one (corp.example.com = CORP).
        let mine = domain.lowercased(), theirs = authority.lowercased()
        return mine == theirs || mine.split(separator: ".").first.map(String.init) == theirs
    }
}
