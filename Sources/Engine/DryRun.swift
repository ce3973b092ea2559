import Foundation
import Inventory
import MigrateCore
import MigratePlan

/// `migrate plan`: connect to every share of the plan, inventory each source, build the report.
public struct DryRun {
    public struct Options: Sendable {
        public var readSecurity = true
        public var measureReadRate = true
        public init(readSecurity: Bool = true, measureReadRate: Bool = true) {
            self.readSecurity = readSecurity; self.measureReadRate = measureReadRate
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
            let targetText = mapping.target?.description ?? mapping.targetFolder ?? "?"
            var inv = ShareInventory(name: mapping.name, source: mapping.source.description, target: targetText)
            // Target first: its failure does not stop the inventory, which only reads the source.
            if let t = mapping.target {
                let check = connect(role: "target", mapping.name, t)
                report.connections.append(check.0); events(.connected(check.0))
            } else if let folder = mapping.targetFolder {
                var c = PlanReport.ConnectionCheck(role: "target", share: mapping.name, location: folder, account: "(local)", ok: true)
                do { _ = try opener.openLocal(folder) } catch { c.ok = false; c.error = error.reason }
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
                if options.measureReadRate {
                    let rate = ReadRateProbe.measure(tree: tree, largest: walker.largestPath, smallFiles: walker.smallSample)
                    inv.readBytesPerSecond = rate.bytesPerSecond
                    inv.readFilesPerSecond = rate.filesPerSecond
                    inv.estimatedCopySeconds = ReadRateProbe.estimate(files: inv.files, bytes: inv.bytes,
                                                                      bytesPerSecond: rate.bytesPerSecond, filesPerSecond: rate.filesPerSecond)
                }
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

    private func connect(role: String, _ share: String, _ loc: ShareLocation) -> (PlanReport.ConnectionCheck, (any Tree)?) {
        let account = plan.server(named: loc.server)?.account ?? "?"
        var c = PlanReport.ConnectionCheck(role: role, share: share, location: loc.description, account: account, ok: true)
        do {
            let tree = try opener.open(loc)
            if !loc.subpath.isEmpty { _ = try tree.stat(loc.subpath) }
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
