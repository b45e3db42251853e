// "Time left": replays each process's event log into live-count timelines — the whole process's and each
// opening stack's — fits a trend to each (TrendFit) and projects when the process reaches its soft
// RLIMIT_NOFILE (and, for D-Bus connections, dbus-daemon's 256 per user) at the fitted rate. Only code paths
// whose count rises through the window are listed; the process always gets a verdict.
import CFDHoundTrace

struct ExhaustionForecast {
    /// dbus-daemon's default `max_connections_per_user` (kept by the system bus).
    static let dbusConnectionsPerUser = 256
    /// Code paths projected at most per report (the fastest first).
    static let codePathLimit = 20

    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int
    /// Per trace index: where interpreter shutdown began (ReclaimAnalysis); the fitted window ends there.
    var shutdownStart: [Int: UInt64] = [:]
    /// Whether to take the chart's series too (the report does; a metrics scrape does not draw them).
    var withSeries = true
    /// Timelines already replayed (by SharedEventRead, with `withSeries` and no shutdown start), by trace
    /// index; the others are replayed here.
    var timelines: [Int: LiveCountTimeline] = [:]

    struct Result {
        var processes: [Int: TimeLeft] = [:]
        var codePaths: [CodePathTimeLeft] = []
        /// Open descriptors over time, for the processes whose count peaked highest (OpenCountSeries).
        var series: [OpenCountSeries] = []
        var warnings: [String] = []
    }

    private struct Candidate {
        let trace: Int
        let stack: UInt32
        let kind: UInt8
        let api: UInt8
        let firstSeq: UInt64
        let open: Int
        let forecast: TimeLeft
        let dbus: TimeLeft?
    }

    /// A process's chart lines before their code paths are symbolized.
    private struct PendingSeries {
        let trace: Int
        let window: (start: Double, end: Double)
        let total: (points: [SeriesPoint], peak: Int)
        /// The code paths to draw (highest peak first), with the count each had before the window.
        let chosen: [(stack: UInt32, kind: UInt8, api: UInt8, firstSeq: UInt64, initial: Int)]
        var paths: [(stack: UInt32, kind: UInt8, api: UInt8, firstSeq: UInt64, points: [SeriesPoint], peak: Int)] = []
    }

    func run() -> Result {
        var result = Result()
        var candidates = [Candidate]()
        var pending = [PendingSeries]()
        for (index, trace) in traces.enumerated() where trace.header.processState != .execed {
            let timeline = timelines[index]
                ?? LiveCountTimeline(trace: trace, endSeq: shutdownStart[index], withSeries: withSeries)
            guard let window = timeline.window else { continue }
            if withSeries { pending.append(Self.series(of: timeline, trace: index, window: window)) }
            let limit = Self.softLimit(trace)
            result.processes[index] = Self.project(timeline.process, current: timeline.processCount,
                                                   limit: limit, limitName: "RLIMIT_NOFILE")
            for (stack, path) in timeline.paths where stack != 0 {
                guard let fit = path.trend.fit(), fit.rises, fit.slope > 0 else { continue }
                let forecast = Self.project(fit: fit, window: window, changes: path.trend.changes,
                                            current: timeline.processCount, limit: limit, limitName: "RLIMIT_NOFILE")
                let dbus = path.kind == UInt8(FDH_KIND_DBUS.rawValue)
                    ? Self.project(fit: fit, window: window, changes: path.trend.changes, current: path.count,
                                   limit: Self.dbusConnectionsPerUser, limitName: "dbus-connections-per-user")
                    : nil
                candidates.append(Candidate(trace: index, stack: stack, kind: path.kind, api: path.api,
                                            firstSeq: path.firstSeq, open: path.count, forecast: forecast, dbus: dbus))
            }
        }
        candidates.sort { ($0.forecast.perSecond, $1.trace, $1.stack) > ($1.forecast.perSecond, $0.trace, $0.stack) }
        let chosen = Array(candidates.prefix(Self.codePathLimit))
        var batch = StackBatch(traces: traces)
        let handles = chosen.map { batch.add($0.stack, trace: $0.trace, seq: $0.firstSeq) }
        pending.sort { ($0.total.peak, $1.trace) > ($1.total.peak, $0.trace) }
        pending = Array(pending.prefix(OpenCountSeries.maxProcesses)).sorted { $0.trace < $1.trace }
        for index in pending.indices { drawPaths(&pending[index]) }
        let seriesHandles = pending.map { item in item.paths.map { batch.add($0.stack, trace: item.trace, seq: $0.firstSeq) } }
        let frames = batch.symbolize(using: symbolizer)
        result.series = zip(pending, seriesHandles).map { item, handles in
            let trace = traces[item.trace]
            return OpenCountSeries(pid: Int(trace.header.pid), total: item.total.points,
                                   codePaths: zip(item.paths, handles).map { path, handle in
                let attribution = CulpritSelector.attribute(frames[handle], executable: trace.executable, maxFrames: maxFrames)
                return CodePathSeries(kind: DescriptorKind(traceValue: path.kind).name, api: OpeningAPI.name(path.api),
                                      culprit: attribution.culprit, calledFrom: attribution.calledFrom,
                                      peak: path.peak, points: path.points)
            })
        }
        result.warnings = LeakAnalysis.deduplicated(batch.warnings)
        result.codePaths = zip(chosen, handles).map { candidate, handle in
            let trace = traces[candidate.trace]
            let attribution = CulpritSelector.attribute(frames[handle], executable: trace.executable, maxFrames: maxFrames)
            return CodePathTimeLeft(pid: Int(trace.header.pid), kind: DescriptorKind(traceValue: candidate.kind).name,
                                    api: OpeningAPI.name(candidate.api), culprit: attribution.culprit,
                                    calledFrom: attribution.calledFrom, stack: attribution.shownStack,
                                    open: candidate.open, timeLeft: candidate.forecast, dbusTimeLeft: candidate.dbus)
        }
        return result
    }

    /// The chart lines of one process: its total, and its code paths that peaked highest, at 2 or more
    /// (ties: the stack id, so the choice is deterministic). The total starts from what was open when the window began.
    private static func series(of timeline: LiveCountTimeline, trace: Int, window: (start: Double, end: Double)) -> PendingSeries {
        let initial = max(0, timeline.processCount - timeline.processNet)
        let total = timeline.processSeries?.line(initial: initial)
            ?? SeriesSampler.points(initial: initial, steps: [], window: window)
        var peaks = [(stack: UInt32, peak: Int)]()
        for (stack, path) in timeline.paths where stack != 0 && path.peakInOrder >= 2 {
            peaks.append((stack, path.peakInOrder)) // one at a time is churn: nothing to see, nothing to symbolize
        }
        peaks.sort { ($0.peak, $1.stack) > ($1.peak, $0.stack) }
        let chosen = peaks.prefix(OpenCountSeries.maxCodePaths).compactMap { chosen -> (stack: UInt32, kind: UInt8, api: UInt8, firstSeq: UInt64, initial: Int)? in
            guard let path = timeline.paths[chosen.stack] else { return nil }
            return (chosen.stack, path.kind, path.api, path.firstSeq, max(0, path.count - path.net))
        }
        return PendingSeries(trace: trace, window: window, total: total, chosen: chosen)
    }

    /// The chosen code paths' lines, drawn in one more pass over the process's log.
    private func drawPaths(_ item: inout PendingSeries) {
        let lines = LiveCountTimeline.pathSeries(trace: traces[item.trace], endSeq: shutdownStart[item.trace],
                                                 window: item.window, stacks: Set(item.chosen.map(\.stack)))
        item.paths = item.chosen.compactMap { path in
            guard let line = lines[path.stack]?.line(initial: path.initial) else { return nil }
            return (path.stack, path.kind, path.api, path.firstSeq, line.points, line.peak)
        }
    }

    /// The soft limit the process has now. The header has the one at start; a program that changed it
    /// (servers raise theirs at start-up) left the change in the evidence section: the latest snapshot's
    /// limit, else the threshold the shim recomputed (threshold = soft × permille / 1000, rounded down, so
    /// the smallest soft limit giving that threshold is exact to within one descriptor).
    static func softLimit(_ trace: TraceFile) -> Int? {
        if let latest = trace.evidence?.snapshots.max(by: { $0.timeNs < $1.timeNs }) {
            return latest.limit == UInt64.max ? nil : Int(clamping: latest.limit)
        }
        let start = trace.header.rlimitSoft
        if let evidence = trace.evidence, evidence.thresholdPermille > 0, evidence.threshold > 0 {
            let permille = UInt64(evidence.thresholdPermille)
            if start == UInt64.max || max(1, start.multipliedReportingOverflow(by: permille).partialValue / 1000) != evidence.threshold {
                let (product, overflow) = evidence.threshold.multipliedReportingOverflow(by: 1000)
                if !overflow { return Int(clamping: (product + permille - 1) / permille) }
            }
        }
        return start == UInt64.max ? nil : Int(clamping: start)
    }

    static func project(initial: Int, steps: [(time: Double, delta: Int)], window: (start: Double, end: Double),
                        current: Int, limit: Int?, limitName: String) -> TimeLeft {
        var trend = TrendAccumulator(initial: initial, start: window.start, end: window.end)
        for step in steps { trend.add(time: step.time, delta: step.delta) }
        return project(trend, current: current, limit: limit, limitName: limitName)
    }

    /// The verdict on a timeline gathered while streaming (its window is the accumulator's).
    static func project(_ trend: TrendAccumulator, current: Int, limit: Int?, limitName: String) -> TimeLeft {
        let window = (start: trend.start, end: trend.end)
        guard let fit = trend.fit() else {
            return TimeLeft(verdict: "too-little-data", limitName: limitName, limit: limit, current: current,
                            perSecond: 0, perSecondLow: 0, perSecondHigh: 0, rSquared: 0, confidence: nil,
                            secondsLeft: nil, secondsLeftLow: nil, secondsLeftHigh: nil,
                            observedFromSeconds: window.start, observedToSeconds: window.end,
                            changes: trend.changesInWindow)
        }
        return project(fit: fit, window: window, changes: trend.changesFromStart,
                       current: current, limit: limit, limitName: limitName)
    }

    /// The verdict on a fitted trend (thresholds documented in the README, "Time left").
    static func project(fit: TrendFit, window: (start: Double, end: Double), changes: Int, current: Int,
                        limit: Int?, limitName: String) -> TimeLeft {
        var forecast = TimeLeft(verdict: "not-growing", limitName: limitName, limit: limit, current: current,
                                perSecond: fit.slope, perSecondLow: fit.slope - fit.slopeMargin,
                                perSecondHigh: fit.slope + fit.slopeMargin, rSquared: fit.rSquared,
                                confidence: nil, secondsLeft: nil, secondsLeftLow: nil, secondsLeftHigh: nil,
                                observedFromSeconds: window.start, observedToSeconds: window.end, changes: changes)
        guard fit.rises, fit.slope > 0 else { return forecast }
        let relative = fit.slopeMargin / fit.slope
        guard relative < 0.5, fit.rSquared >= 0.6 else {
            forecast.verdict = "too-noisy"
            return forecast
        }
        forecast.verdict = "projected"
        forecast.confidence = relative < 0.1 && fit.rSquared >= 0.9 ? "high" : relative < 0.25 ? "medium" : "low"
        if let limit {
            let room = Double(max(0, limit - current))
            forecast.secondsLeft = room / fit.slope
            forecast.secondsLeftLow = room / (fit.slope + fit.slopeMargin)
            forecast.secondsLeftHigh = fit.slope > fit.slopeMargin ? room / (fit.slope - fit.slopeMargin) : .infinity
            if forecast.secondsLeftHigh == .infinity { forecast.secondsLeftHigh = nil }
        }
        return forecast
    }
}
