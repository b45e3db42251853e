// Descriptors that outlived their phase: opened during a phase (fdhound_phase_begin; a test under the
// pytest plugin), still open when it ended, and closed only afterwards — by the program later (a socket
// kept in a module-level list, closed at session end) or by a garbage collector the shim cannot tell apart
// (PyPy). They belong to the phase that opened them (issue 11): a leak of that test even though nothing is
// open at exit. Those left open at exit are leaks (LeakAnalysis) and those a CPython finalizer, collector or
// shutdown released are reclaimed findings (ReclaimAnalysis): each descriptor is reported once. Groups are
// per opening code path and phase, in phase order.

struct PhaseOutlivedAnalysis {
    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int
    /// Replays ReclaimAnalysis already made (CPython traces), reused; other traces are replayed here.
    let replays: [Int: DescriptorReplay]
    /// Per trace index: close events ReclaimAnalysis reported as reclaimed.
    let reclaimedCloses: [Int: Set<UInt64>]
    /// The one read of each log (phase timelines); nil: this pass reads the logs it needs itself.
    var shared: [SharedEventRead]? = nil

    private struct Finding {
        let trace: Int
        let release: DescriptorReplay.Release
        let openHandle: Int
        let phase: String
    }

    func run() -> (groups: [PhaseOutlivedGroup], warnings: [String]) {
        var batch = StackBatch(traces: traces)
        var phaseOrder = PhaseOrder()
        var findings = [Finding]()
        var openHandles = [Int: [UInt32: Int]]()  // one handle per (trace, opening stack id)
        for (index, trace) in traces.enumerated() {
            guard let timeline = SharedEventRead.phases(shared, index, trace) else { continue }
            phaseOrder.add(timeline, trace: index)
            let replay = replays[index] ?? DescriptorReplay(trace: trace)
            let reclaimed = reclaimedCloses[index] ?? []
            for release in replay.releases where release.fd > 2 && !reclaimed.contains(release.close.seq) {
                // Ended before the close: the descriptor outlived it. A phase never ended is the one
                // running at exit; its descriptors closed later were closed while it ran.
                guard let phase = timeline.phase(openedAt: release.opening.seq), let end = phase.endSeq,
                      release.close.seq > end else { continue }
                let handle: Int
                if let known = openHandles[index]?[release.opening.stack] {
                    handle = known
                } else {
                    handle = batch.add(release.opening.stack, trace: index, seq: release.opening.seq)
                    openHandles[index, default: [:]][release.opening.stack] = handle
                }
                findings.append(Finding(trace: index, release: release, openHandle: handle, phase: phase.name))
            }
        }
        guard !findings.isEmpty else { return ([], []) }
        let frames = batch.symbolize(using: symbolizer)

        struct Key: Hashable { let identity: StackIdentity; let phase: String }
        var order = [Key]()
        var members = [Key: [Finding]]()
        var identities = [Int: StackIdentity]()
        for finding in findings {
            let identity = identities[finding.openHandle] ?? StackIdentity(frames[finding.openHandle])
            identities[finding.openHandle] = identity
            let key = Key(identity: identity, phase: finding.phase)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(finding)
        }
        var groups = order.map { key -> PhaseOutlivedGroup in
            let parts = (members[key] ?? []).sorted { ($0.release.opening.timeNs, $0.trace) < ($1.release.opening.timeNs, $1.trace) }
            let first = parts[0]
            let attribution = CulpritSelector.attribute(frames[first.openHandle], executable: traces[first.trace].executable,
                                                        maxFrames: maxFrames)
            let pids = Set(parts.map { Int(traces[$0.trace].header.pid) }).sorted()
            let samples = DescriptorDescriber.samples(
                parts.map { part in
                    (Int(traces[part.trace].header.pid), Int(part.release.fd),
                     DescriptorReplay.describe(part.release.opening, in: traces[part.trace]))
                },
                multipleProcesses: pids.count > 1)
            let openTimes = parts.map { LeakAnalysis.seconds($0.release.opening.timeNs) }
            let closeTimes = parts.map { LeakAnalysis.seconds($0.release.close.timeNs) }
            return PhaseOutlivedGroup(
                id: "", phase: key.phase, count: parts.count,
                kind: DescriptorKind(traceValue: LeakAnalysis.mostCommon(parts.map(\.release.opening.kind))).name,
                api: OpeningAPI.name(LeakAnalysis.mostCommon(parts.map(\.release.opening.api))),
                culprit: attribution.culprit, calledFrom: attribution.calledFrom, stack: attribution.shownStack,
                samples: samples, pids: pids,
                perProcess: LeakGroup.ProcessCount.tally(parts.map { Int(traces[$0.trace].header.pid) }),
                firstOpenedSeconds: openTimes.min() ?? 0, lastOpenedSeconds: openTimes.max() ?? 0,
                firstClosedSeconds: closeTimes.min() ?? 0, lastClosedSeconds: closeTimes.max() ?? 0)
        }
        groups.sort { a, b in
            let (rankA, rankB) = (phaseOrder.rank(a.phase), phaseOrder.rank(b.phase))
            if rankA != rankB { return rankA < rankB }
            if a.count != b.count { return a.count > b.count }
            return (a.culprit.function ?? a.culprit.address) < (b.culprit.function ?? b.culprit.address)
        }
        for index in groups.indices { groups[index].id = "O\(index + 1)" }
        return (groups, batch.warnings)
    }
}
