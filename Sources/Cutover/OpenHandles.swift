/// Who has files open where a freeze applies. A handle opened for writing before the freeze
/// keeps that access, so the freeze says who holds one and, where the plan says
/// `close_sessions`, closes those users' sessions once the folder is read-only.
public protocol OpenHandles {
    func report(say: (String) -> Void) throws
    func closeSessions(say: (String) -> Void) throws
}
