// Growth: code paths of a CPython process whose live descriptor count keeps rising while the program runs
// — the service that runs out of descriptors although everything is closed again at exit (by the
// garbage collector or interpreter shutdown). Read from the event log, per opening stack, up to the
// start of interpreter shutdown (shutdown closes do not count: by then every object is being torn down).
//
// Criterion (documented in the README): take the code path's own events before shutdown (each open +1,
// each release −1, whoever released it), at least `minimumEvents` of them, split them into four
// consecutive quarters and take the lowest live count reached in each quarter. The code path grows when
// that low-water mark rises strictly from each quarter to the next. Churn (open, close, open, close) keeps
// it at 0; a pool that filled up and then stays level, or a cache that is trimmed back, does not rise in
// every quarter; a per-request leak does — also when the collector later reclaims the objects, as long as
// it does not keep up.

struct GrowthAnalysis {
    static let minimumEvents = 4

    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int
    /// Per trace index: where interpreter shutdown began, and the replayed event log (ReclaimAnalysis).
    let shutdownStart: [Int: UInt64]
    let replays: [Int: DescriptorReplay]

    /// The verdict on one code path's live counts, in event order starting from 0.
    struct Verdict: Equatable {
        let lowWaterMarks: [Int]
        let live: Int
        let peak: Int
        let opened: Int
        let closed: Int
    }

    /// nil unless the low-water mark rises strictly through the four quarters of `deltas` (+1/−1 each).
    static func verdict(_ deltas: [Int]) -> Verdict? {
        guard deltas.count >= minimumEvents else { return nil }
        var live = 0, peak = 0
        var marks = [Int](repeating: .max, count: 4)
        for (index, delta) in deltas.enumerated() {
            live += delta
            peak = max(peak, live)
            let quarter = index * 4 / deltas.count
            marks[quarter] = min(marks[quarter], live)
        }
        for quarter in 1..<4 where marks[quarter] <= marks[quarter - 1] { return nil }
        return Verdict(lowWaterMarks: marks, live: live, peak: peak,
                       opened: deltas.filter { $0 > 0 }.count, closed: deltas.filter { $0 < 0 }.count)
    }

    private struct Part {
        let trace: Int
        let verdict: Verdict
        let first: UInt64, last: UInt64   // times of the code path's first and last event before shutdown
        let kind: UInt8, api: UInt8
    }

    func run() -> (groups: [GrowthGroup], warnings: [String]) {
        var grouping = CodePathGrouping<Part, NoKey>(traces: traces)
        for index in replays.keys.sorted() {
            guard let replay = replays[index] else { continue }
            let cutoff = shutdownStart[index] ?? .max
            var byStack = [UInt32: (deltas: [Int], first: UInt64, last: UInt64, seq: UInt64, kind: UInt8, api: UInt8)]()
            var order = [UInt32]()
            for step in replay.steps where step.seq < cutoff {
                if byStack[step.stack] == nil {
                    order.append(step.stack)
                    byStack[step.stack] = ([], step.timeNs, step.timeNs, step.seq, step.kind, step.api)
                }
                byStack[step.stack]?.deltas.append(step.delta)
                byStack[step.stack]?.last = step.timeNs
            }
            for stack in order {
                guard let site = byStack[stack], let verdict = Self.verdict(site.deltas) else { continue }
                grouping.add(Part(trace: index, verdict: verdict, first: site.first, last: site.last,
                                  kind: site.kind, api: site.api), stack: stack, trace: index, seq: site.seq)
            }
        }
        guard !grouping.isEmpty else { return ([], []) }
        let groups = grouping.grouped(using: symbolizer).groups.map { code -> GrowthGroup in
            let group = code.members
            let first = group[0]
            let attribution = CulpritSelector.attribute(code.stack, executable: traces[first.trace].executable,
                                                        maxFrames: maxFrames)
            return GrowthGroup(
                id: "",
                count: group.reduce(0) { $0 + $1.verdict.live },
                kind: DescriptorKind(traceValue: LeakAnalysis.mostCommon(group.map(\.kind))).name,
                api: OpeningAPI.name(LeakAnalysis.mostCommon(group.map(\.api))),
                culprit: attribution.culprit, calledFrom: attribution.calledFrom, stack: attribution.shownStack,
                opened: group.reduce(0) { $0 + $1.verdict.opened },
                closed: group.reduce(0) { $0 + $1.verdict.closed },
                peak: group.map(\.verdict.peak).max() ?? 0,
                lowWaterMarks: first.verdict.lowWaterMarks,
                pids: Set(group.map { Int(traces[$0.trace].header.pid) }).sorted(),
                perProcess: group.map { LeakGroup.ProcessCount(pid: Int(traces[$0.trace].header.pid), count: $0.verdict.live) }
                    .sorted { $0.pid < $1.pid },
                firstSeenSeconds: LeakAnalysis.seconds(group.map(\.first).min() ?? 0),
                lastSeenSeconds: LeakAnalysis.seconds(group.map(\.last).max() ?? 0))
        }
        let ranked = FindingRanking.rank(groups, prefix: "G") { a, b in
            a.count != b.count ? a.count > b.count : (a.culprit.function ?? a.culprit.address) < (b.culprit.function ?? b.culprit.address)
        }
        return (ranked, grouping.warnings)
    }
}
