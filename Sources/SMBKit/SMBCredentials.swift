/// Who to log on as. The password is held only in memory and never printed.
public struct SMBCredentials: Sendable, CustomStringConvertible {
    public var domain: String
    public var user: String
    public var password: String
    /// Use the Kerberos ticket cache (kinit) instead of the password.
    public var kerberos: Bool

    public init(domain: String = "", user: String, password: String, kerberos: Bool = false) {
        self.domain = domain; self.user = user; self.password = password; self.kerberos = kerberos
    }

    public var description: String { domain.isEmpty ? user : "\(domain)\\\(user)" }
}

/// Per-server session security.
public struct SMBSessionOptions: Sendable {
    /// `auto`: the library default (encrypt when the server requires it).
    public enum Encryption: String, Sendable { case auto, off, desired, required }
    public var encryption: Encryption
    /// Refuse a server that does not sign. Samba's client always signs when the server requires it.
    public var requireSigning: Bool

    public init(encryption: Encryption = .auto, requireSigning: Bool = false) {
        self.encryption = encryption; self.requireSigning = requireSigning
    }
}
