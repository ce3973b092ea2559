import MigrateCore

/// Folder listings started before a walk asks for them, in the order a depth-first walk in path
/// order asks (the marcher's order: a folder's children, smallest first): the server lists the
/// next folders while the walk works on this one, instead of the two waiting for each other.
/// At most `depth` are ahead at once; one the walk went past (it skipped that folder) is dropped.
struct ListingAhead {
    /// Folders seen but not listed yet, the next to be walked last.
    private var upcoming: [String] = []
    private var started: [String: (ticket: UInt64, order: Int)] = [:]
    private var listed = Set<String>()
    private var counter = 0
    let depth = 8

    /// The listing started for `path`, if one was; those started before it were skipped by the
    /// walk and are dropped.
    mutating func take(_ path: String, on session: any DirectLister) -> UInt64? {
        listed.insert(path)
        guard let mine = started.removeValue(forKey: path) else { return nil }
        for (p, s) in started where s.order < mine.order {
            started[p] = nil
            session.discardListing(s.ticket)
        }
        return mine.ticket
    }

    mutating func plan(after entries: [Entry], on session: any DirectLister) {
        upcoming.append(contentsOf: entries.filter { $0.kind == .directory }.map(\.path).sorted(by: >))
        while started.count < depth, let next = upcoming.popLast() {
            if listed.contains(next) || started[next] != nil { continue }
            guard let ticket = session.listAhead(next) else { upcoming.append(next); return }
            counter += 1
            started[next] = (ticket, counter)
        }
    }
}
