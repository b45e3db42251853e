// Turns each trace's evidence section into the report's moments: the snapshots' code paths (call-site stack
// ids) symbolized in one batch, with the kind and opening call each path opened, and the failing call of an
// EMFILE/ENFILE snapshot.
import CFDHoundTrace

struct EvidenceAnalysis {
    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int

    struct Result {
        var evidence: [Int: ProcessEvidence] = [:]
        var warnings: [String] = []
    }

    /// Always-on traces: a partial stack's site joins the full stack standing for it (StackSampling), its
    /// count added; ascending by open, as the shim orders them. Full mode: the sites as recorded.
    static func merged(_ sites: [(stack: UInt32, open: UInt64)], _ sampling: StackSampling?) -> [(stack: UInt32, open: UInt64)] {
        guard let sampling, sampling.substitutes else { return sites }
        var order = [UInt32](), open = [UInt32: UInt64]()
        for site in sites {
            let stack = sampling.shown(site.stack)
            if open[stack] == nil { order.append(stack) }
            open[stack, default: 0] &+= site.open
        }
        return order.map { (stack: $0, open: open[$0] ?? 0) }.sorted { $0.open < $1.open }
    }

    func run() -> Result {
        var batch = StackBatch(traces: traces)
        // (trace, snapshot, site handles, failing-stack handle) to assemble after the one symbolizer call.
        var pending = [(trace: Int, snapshot: EvidenceSnapshotRecord, merged: [(stack: UInt32, open: UInt64)], sites: [Int], failing: Int?)]()
        var kinds = [Int: [UInt32: (kind: UInt8, api: UInt8)]]()
        for (index, trace) in traces.enumerated() {
            guard let evidence = trace.evidence else { continue }
            if !evidence.snapshots.isEmpty { kinds[index] = Self.kindsByStack(trace) }
            for snapshot in evidence.snapshots {
                let merged = Self.merged(snapshot.sites, trace.stackSampling)
                let sites = merged.map { batch.add($0.stack, trace: index, seq: snapshot.eventSeq) }
                let failing = snapshot.stack != 0
                    ? batch.add(trace.stackSampling?.shown(snapshot.stack) ?? snapshot.stack, trace: index, seq: snapshot.eventSeq) : nil
                pending.append((index, snapshot, merged, sites, failing))
            }
        }
        let frames = batch.symbolize(using: symbolizer)
        var result = Result(warnings: LeakAnalysis.deduplicated(batch.warnings))
        var moments = [Int: [EvidenceMoment]]()
        for entry in pending {
            let trace = traces[entry.trace]
            let codePaths = zip(entry.merged, entry.sites).map { site, handle -> EvidenceCodePath in
                let attribution = CulpritSelector.attribute(frames[handle], executable: trace.executable, maxFrames: maxFrames)
                let what = kinds[entry.trace]?[site.stack]
                return EvidenceCodePath(count: Int(clamping: site.open),
                                        kind: DescriptorKind(traceValue: what?.kind ?? 0).name,
                                        api: OpeningAPI.name(what?.api ?? 0),
                                        culprit: attribution.culprit, calledFrom: attribution.calledFrom,
                                        stack: attribution.shownStack)
            }
            var moment = EvidenceMoment(
                trigger: ["threshold", "emfile", "enfile"][Int(entry.snapshot.trigger.rawValue) - 1],
                seconds: LeakAnalysis.seconds(entry.snapshot.timeNs), open: Int(clamping: entry.snapshot.liveCount),
                limit: entry.snapshot.limit == UInt64.max ? nil : Int(clamping: entry.snapshot.limit),
                otherOpen: Int(clamping: entry.snapshot.otherOpen), codePaths: codePaths)
            if let failing = entry.failing {
                let attribution = CulpritSelector.attribute(frames[failing], executable: trace.executable, maxFrames: maxFrames)
                moment.failingCall = OpeningAPI.name(entry.snapshot.api)
                moment.failingCulprit = attribution.culprit
                moment.failingStack = attribution.shownStack
            } else if entry.snapshot.api != 0 {
                moment.failingCall = OpeningAPI.name(entry.snapshot.api)
            }
            moments[entry.trace, default: []].append(moment)
        }
        for (index, trace) in traces.enumerated() {
            guard let evidence = trace.evidence else { continue }
            let limit = trace.header.rlimitSoft
            result.evidence[index] = ProcessEvidence(
                openNow: Int(clamping: evidence.liveNow),
                threshold: evidence.threshold == 0 ? nil : Int(clamping: evidence.threshold),
                thresholdPercent: evidence.threshold == 0 || limit == UInt64.max ? nil : Double(evidence.thresholdPermille) / 10,
                emfileFailures: Int(clamping: evidence.emfileFailures),
                enfileFailures: Int(clamping: evidence.enfileFailures),
                moments: (moments[index] ?? []).sorted { $0.seconds < $1.seconds })
        }
        return result
    }

    /// What each opening stack opened: from the live table, then from the event log for closed ones.
    static func kindsByStack(_ trace: TraceFile) -> [UInt32: (kind: UInt8, api: UInt8)] {
        var kinds = [UInt32: (kind: UInt8, api: UInt8)]()
        for descriptor in trace.liveDescriptors where descriptor.stack != 0 {
            kinds[descriptor.stack] = kinds[descriptor.stack] ?? (descriptor.kind, descriptor.api)
        }
        trace.forEachEvent { event in
            if event.type.opensDescriptor && event.stack != 0 && kinds[event.stack] == nil {
                kinds[event.stack] = (event.kind, event.api)
            }
        }
        return kinds
    }
}
