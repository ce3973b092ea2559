import Foundation
import Engine
import Inventory
import MigrateCore
import MigratePlan

/// `migrate plan`: connect to every share of the plan, inventory each source, build the report.
public struct DryRun {
    public struct Options: Sendable {
        public var readSecurity = true
        public var measureReadRate = true
        /// Parallel lanes of the copy probe: the workers the first pass will have (`sync --workers`).
        public var lanes = 4
        public init(readSecurity: Bool = true, measureReadRate: Bool = true, lanes: Int = 4) {
            self.readSecurity = readSecurity; self.measureReadRate = measureReadRate; self.lanes = lanes
        }
    }

    public enum Event {
        case connected(PlanReport.ConnectionCheck)
        case walking(InventoryProgress)
        case shareDone(ShareInventory)
    }

    let plan: Plan
    let opener: any TreeOpener
    let options: Options
    let now: Date

    public init(plan: Plan, opener: any TreeOpener, options: Options = Options(), now: Date = Date()) {
        self.plan = plan; self.opener = opener; self.options = options; self.now = now
    }

    public func run(events: @escaping (Event) -> Void = { _ in }) -> PlanReport {
        let stamp = ISO8601DateFormatter().string(from: now)
        var report = PlanReport(migration: plan.name, planFile: plan.file, generatedAt: stamp,
                                aclMode: plan.acl.mode.rawValue, unmappedPolicy: Self.describe(plan.acl.unmapped, plan.acl))
        report.cutoverWindows = plan.cutover.windows.map(Self.describe)
        for mapping in plan.shares {
            let targetText = mapping.targetDescription
            var inv = ShareInventory(name: mapping.name, source: mapping.source.description, target: targetText)
            // Target first: its failure does not stop the inventory, which only reads the source.
            var target: (any Tree)?
            switch mapping.target {
            case .share(let t):
                let check = connect(role: "target", mapping.name, t)
                target = check.1
                report.connections.append(check.0); events(.connected(check.0))
            case .localFolder(let folder):
                var c = PlanReport.ConnectionCheck(role: "target", share: mapping.name, location: folder, account: "(local)", ok: true)
                do { target = try opener.openLocal(folder) } catch { c.ok = false; c.error = error.reason }
                report.connections.append(c); events(.connected(c))
            }
            let (check, tree) = connect(role: "source", mapping.name, mapping.source)
            report.connections.append(check); events(.connected(check))
            if let tree {
                inv.connected = true
                let prefix = targetText.count + 1
                let walker = Inventorier(tree: tree, mapping: mapping, policy: plan.acl, readSecurity: options.readSecurity,
                                         now: Timestamp(seconds: Int64(now.timeIntervalSince1970)), targetPrefixLength: prefix) {
                    events(.walking($0))
                }
                do { try walker.run(into: &inv) } catch {
                    inv.unreadableCount += 1
                    inv.unreadable.append(.init(path: "", operation: "walk", reason: "\(error)"))
                }
                if options.measureReadRate { estimate(mapping, &inv, walker, source: tree, target: target) }
            } else {
                inv.connectError = check.error
            }
            report.shares.append(inv)
            events(.shareDone(inv))
        }
        if let dfs = plan.dfs {
            let (check, _) = connect(role: "namespace", "DFS", dfs.root)
            report.connections.append(check); events(.connected(check))
        }
        return report
    }

    /// The first pass's duration: the walk as the inventory measured it, plus the files and
    /// folders at the rate a copy probe achieved on the pass's parallel lanes, plus the bytes of
    /// the large files at the probe's byte rate. Where the target cannot take the probe, the
    /// source read rate alone (said so in the report).
    private func estimate(_ mapping: ShareMapping, _ inv: inout ShareInventory, _ walker: Inventorier, source: any Tree, target: (any Tree)?) {
        if let target {
            var lanes: [CopyRateProbe.Lane] = [(source, Self.probeTarget(target))]
            // A pass connects both sides, and its workers each do too (in parallel, once the first file is found).
            var connecting = 0.0
            for _ in 1..<max(options.lanes, 1) {
                let t0 = monotonicSeconds()
                guard let o = try? opener.independent(), let pair = try? o.openPair(mapping) else { break }
                connecting = max(connecting, monotonicSeconds() - t0)
                lanes.append((pair.source, Self.probeTarget(pair.target)))
            }
            let rates = CopyRateProbe(policy: plan.acl, copySecurity: options.readSecurity)
                .measure(lanes: lanes, small: walker.smallSample, large: walker.probeLarge)
            inv.copyLanes = rates.lanes
            inv.copyFilesPerSecond = rates.filesPerSecond
            inv.copyBytesPerSecond = rates.bytesPerSecond
            if let fps = rates.filesPerSecond, walker.largeFiles == 0 || rates.bytesPerSecond != nil {
                let entries = Double(inv.files + inv.folders)
                let coordinating = (CoordinatorCost.secondsPerEntry(walker.smallSample) ?? 0) * entries
                inv.estimatedCopySeconds = 2 * connecting + walker.listingSeconds + entries / fps + Double(walker.largeBytes) / (rates.bytesPerSecond ?? 1)
                    + coordinating
                inv.estimateBasis = "copied \(walker.smallSample.count) sampled files to the target on \(rates.lanes) lanes (\(String(format: "%.0f", fps)) files/s)"
                    + (rates.bytesPerSecond.map { " and a \(walker.probeLarge.map { "\($0.size >> 20) MiB" } ?? "large") file at \(Int($0) >> 20) MiB/s" } ?? "")
                    + ", then removed them; the walk as the inventory timed it; connecting as the probe's lanes did; the catalog, worker frames and log at \(String(format: "%.2f", coordinating * 1000 / max(entries, 1))) ms an entry"
                return
            }
            inv.estimateBasis = rates.problem.map { "the copy probe failed (\($0)); " } ?? ""
        }
        let rate = ReadRateProbe.measure(tree: source, largest: walker.largestPath, smallFiles: walker.smallSample.map(\.path))
        inv.readBytesPerSecond = rate.bytesPerSecond
        inv.readFilesPerSecond = rate.filesPerSecond
        inv.estimatedCopySeconds = ReadRateProbe.estimate(files: inv.files, bytes: inv.bytes,
                                                          bytesPerSecond: rate.bytesPerSecond, filesPerSecond: rate.filesPerSecond)
        inv.estimateBasis = (inv.estimateBasis ?? "") + "the source's read rate only (the target could not be probed; writing to it adds to this)"
    }

    /// Where the copy probe writes: the target, or its share while the mapped folder does not exist yet.
    static func probeTarget(_ t: any Tree) -> any Tree {
        if let sub = t as? SubfolderTree, (try? sub.stat("")) == nil { return sub.inner }
        return t
    }

    private func connect(role: String, _ share: String, _ loc: ShareLocation) -> (PlanReport.ConnectionCheck, (any Tree)?) {
        let account = plan.server(named: loc.server)?.account ?? "?"
        var c = PlanReport.ConnectionCheck(role: role, share: share, location: loc.description, account: account, ok: true)
        do {
            let tree = try opener.open(loc)
            if !loc.subpath.isEmpty {
                do { _ = try tree.stat("") } catch where error.kind == .notFound && role == "target" {
                    c.note = "the folder does not exist yet: the first pass creates it"
                }
            }
            c.transport = (tree as? any TransportDescribingTree)?.transportSummary
            return (c, tree)
        } catch {
            c.ok = false
            c.error = error.reason
            return (c, nil)
        }
    }

    static func describe(_ u: ACLPolicy.Unmapped, _ p: ACLPolicy) -> String {
        switch u {
        case .keep: "keep"
        case .drop: "drop"
        case .fail: "fail"
        case .fallback(let sid): "fallback to \(p.displayName(sid))"
        }
    }

    static func describe(_ w: CutoverWindow) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = w.timeZone
        f.dateFormat = "EEE yyyy-MM-dd HH:mm"
        return "\(f.string(from: w.start)) – \(f.string(from: w.end)) \(w.timeZone.identifier)"
    }
}
