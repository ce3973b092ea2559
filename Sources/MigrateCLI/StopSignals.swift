import Glibc

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP (a dropped SSH session) ask a run to stop: the pass stops
/// taking new work, lets what is in flight finish, records it, marks itself interrupted in the
/// catalog and the log, prints its summary, and the command exits 128 + the signal (130, 143,
/// 129), never 0. Workers ignore SIGINT and SIGHUP (Ctrl-C reaches the whole process group):
/// the coordinator winds them down.
enum StopSignals {
    /// The first stop signal received, 0 while none.
    nonisolated(unsafe) static var received: Int32 = 0

    static func install() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { sig in if StopSignals.received == 0 { StopSignals.received = sig } }
        }
    }

    /// For worker processes: the coordinator decides when they stop.
    static func ignoreInWorker() {
        signal(SIGINT, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
    }

    static var requested: Int32? { received == 0 ? nil : received }
}
