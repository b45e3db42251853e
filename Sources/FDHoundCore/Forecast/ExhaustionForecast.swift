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
        let total: (points: [SeriesPoint], peak: Int)
        let paths: [(stack: UInt32, kind: UInt8, api: UInt8, firstSeq: UInt64, points: [SeriesPoint], peak: Int)]
    }

    func run() -> Result {
        var result = Result()
        var candidates = [Candidate]()
        var pending = [PendingSeries]()
        for (index, trace) in traces.enumerated() where trace.header.processState != .execed {
            let timeline = Timeline(trace: trace, endSeq: shutdownStart[index])
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
    private static func series(of timeline: Timeline, trace: Int, window: (start: Double, end: Double)) -> PendingSeries {
        let initial = max(0, timeline.processCount - timeline.process.reduce(0) { $0 + $1.delta })
        let total = SeriesSampler.points(initial: initial, steps: timeline.process, window: window)
        var peaks = [(stack: UInt32, peak: Int)]()
        for (stack, path) in timeline.paths where stack != 0 {
            var value = 0, peak = 0
            for step in path.steps { value += step.delta; peak = max(peak, value) }
            if peak >= 2 { peaks.append((stack, peak)) } // one at a time is churn: nothing to see, nothing to symbolize
        }
        peaks.sort { ($0.peak, $1.stack) > ($1.peak, $0.stack) }
        let paths = peaks.prefix(OpenCountSeries.maxCodePaths).compactMap { chosen -> (stack: UInt32, kind: UInt8, api: UInt8, firstSeq: UInt64, points: [SeriesPoint], peak: Int)? in
            guard let path = timeline.paths[chosen.stack] else { return nil }
            let initial = max(0, path.count - path.steps.reduce(0) { $0 + $1.delta })
            let line = SeriesSampler.points(initial: initial, steps: path.steps, window: window)
            return (chosen.stack, path.kind, path.api, path.firstSeq, line.points, line.peak)
        }
        return PendingSeries(trace: trace, total: total, paths: paths)
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

/// The live counts of one trace over time, replayed from its event log: the whole process and each opening
/// stack, each as a TrendAccumulator over the window (fixed memory per code path, none per event). The
/// window's end is found first by looking back from the end of the log; its start is the first event that
/// counts, met at the start of the one streaming pass.
private struct Timeline {
    struct Path {
        var trend: TrendAccumulator
        var count = 0
        var kind: UInt8 = 0
        var api: UInt8 = 0
        var firstSeq: UInt64 = 0
    }

    var process: TrendAccumulator
    var processCount = 0
    var paths: [UInt32: Path] = [:]
    /// From the first event after start-up (the inherited descriptors) to the last one fitted.
    var window: (start: Double, end: Double)?

    init(trace: TraceFile, endSeq: UInt64?) {
        process = TrendAccumulator(initial: 0, start: 0, end: 0)
        guard let lastEvent = trace.lastEvent(below: endSeq, where: Self.counts) else { return }
        let last = LeakAnalysis.seconds(lastEvent.timeNs)
        // Locals, assigned to the properties at the end: mutating `self` from inside the streaming closure
        // would copy. Paths live in an array (changed in place), found by stack through `pathIndex`.
        var process: TrendAccumulator?
        var processCount = 0
        var pathIndex = [UInt32: Int]()
        var pathList = [Path]()
        var stackOfPath = [UInt32]()
        var open = [Int32: Int]() // fd → opening path; `noPath` for the inherited (stack 0 when it closes)
        let noPath = -1
        var first: Double?
        func closed(_ fd: Int32, time: Double) {
            guard let opener = open.removeValue(forKey: fd) else { return }
            process?.add(time: time, delta: -1); processCount -= 1
            guard let path = opener == noPath ? pathIndex[0] : opener else { return }
            pathList[path].trend.add(time: time, delta: -1); pathList[path].count -= 1
        }
        func opened(_ fd: Int32, _ event: TraceEvent, time: Double) {
            guard fd >= 0 else { return }
            if open[fd] != nil { closed(fd, time: time) }
            process?.add(time: time, delta: 1); processCount += 1
            let path: Int
            if let known = pathIndex[event.stack] {
                path = known
            } else {
                path = pathList.count
                pathIndex[event.stack] = path
                stackOfPath.append(event.stack)
                pathList.append(Path(trend: TrendAccumulator(initial: 0, start: first ?? time, end: last),
                                     kind: event.kind, api: event.api, firstSeq: event.seq))
            }
            open[fd] = path
            pathList[path].trend.add(time: time, delta: 1); pathList[path].count += 1
        }
        // A wrapped ring lost the oldest events: descriptors opened before the kept window (the inherited
        // ones included) are not in `open`. Their closes still change the process's count, and what is open
        // now comes from the live table and the call-site counters, which lost nothing.
        let wrapped = trace.eventsOverwritten > 0
        var afterEnd = 0  // net change of the process's count after `endSeq` (shutdown), when wrapped
        trace.forEachEvent { event in
            if let endSeq, event.seq >= endSeq {
                if wrapped { afterEnd += Self.netChange(event) }
                return
            }
            let time = LeakAnalysis.seconds(event.timeNs)
            if first == nil && Self.counts(event) {
                first = time
                process = TrendAccumulator(initial: 0, start: time, end: last)
            }
            switch event.type {
            case .inherited: // counted from the start, not a change inside the window
                if event.fd >= 0 { open[event.fd] = noPath; processCount += 1 }
            case .open:
                opened(event.fd, event, time: time)
                if event.fd2 >= 0 { opened(event.fd2, event, time: time) }
            case .dup:
                guard event.result >= 0, event.fd2 >= 0 else { return }
                opened(event.fd2, event, time: time)
            case .close:
                guard event.result == 0 else { return }
                if wrapped && open[event.fd] == nil {
                    process?.add(time: time, delta: -1)  // opened before the kept window
                } else {
                    closed(event.fd, time: time)
                }
            default:
                return
            }
        }
        if wrapped {
            processCount = trace.liveDescriptors.count - afterEnd
            for (stack, site) in trace.callSites {
                if let path = pathIndex[stack] { pathList[path].count = Int(clamping: site.opened) - Int(clamping: site.closed) }
            }
        }
        if let process { self.process = process }
        self.processCount = processCount
        self.paths = Dictionary(uniqueKeysWithValues: zip(stackOfPath, pathList))
        // The inherited ones are in processCount but not in the steps: the fit starts from 0 (a constant
        // offset changes neither the slope nor the verdict) and `current` is the real count.
        if let first, last > first { window = (first, last) }
    }

    /// Whether `event` is inside the fitted window's bounds: an open, an open target of dup2/3 or a
    /// successful close.
    private static func counts(_ event: TraceEvent) -> Bool {
        switch event.type {
        case .open: return true
        case .dup: return event.result >= 0 && event.fd2 >= 0
        case .close: return event.result == 0
        default: return false
        }
    }

    /// +1/−1/0: what `event` does to the process's count of open descriptors (as far as the log says).
    private static func netChange(_ event: TraceEvent) -> Int {
        switch event.type {
        case .open: return (event.fd >= 0 ? 1 : 0) + (event.fd2 >= 0 ? 1 : 0)
        case .dup: return event.result >= 0 && event.fd2 >= 0 ? 1 : 0  // an open target's implicit close: −1 too,
                                                                      // but the log cannot tell; rare after shutdown
        case .close: return event.result == 0 ? -1 : 0
        default: return 0
        }
    }
}
