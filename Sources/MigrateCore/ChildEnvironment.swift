import Foundation

/// The environment a helper (smbclient, the Samba Python helpers) or an operator's command runs
/// with: what programs need to run and find a Kerberos ticket, never the rest of ours, where the
/// plan's `password_env` variables live. (Workers are `migrate` itself and get everything.)
public enum ChildEnvironment {
    static let kept: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "LANGUAGE", "TZ", "TMPDIR",
                                    "KRB5CCNAME", "KRB5_CONFIG", "KRB5_KTNAME", "SMB_CONF_PATH"]

    /// Ours, filtered, with `adding` on top.
    public static func minimal(adding extra: [String: String] = [:], from env: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        env.filter { kept.contains($0.key) || $0.key.hasPrefix("LC_") }.merging(extra) { $1 }
    }
}
