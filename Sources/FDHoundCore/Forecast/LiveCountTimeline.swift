// The live counts of one trace over time, replayed from its event log for the time-left forecast: the whole
// process's and each opening stack's, each gathered into a TrendAccumulator over the window (fixed memory per
// code path, none per event), and the process's chart line (SeriesAccumulator). The window's end is found
// first by looking back from the end of the log; its start is the first event that counts, met at the start
// of the one streaming pass. Code paths' chart lines take a second pass, for the few paths chosen to be drawn.

struct LiveCountTimeline {
    struct Path {
        var trend: TrendAccumulator
        var count = 0
        var kind: UInt8 = 0
        var api: UInt8 = 0
        var firstSeq: UInt64 = 0
        /// The sum of its steps, and the highest that sum reached (in event order, from 0).
        var net = 0
        var peakInOrder = 0
    }

    private(set) var process = TrendAccumulator(initial: 0, start: 0, end: 0)
    private(set) var processCount = 0
    /// The sum of the process's steps, and its chart line (relative to the count before the window).
    private(set) var processNet = 0
    private(set) var processSeries: SeriesAccumulator?
    private(set) var paths: [UInt32: Path] = [:]
    /// From the first event after start-up (the inherited descriptors) to the last one fitted.
    private(set) var window: (start: Double, end: Double)?

    /// The timeline of a log with nothing that counts.
    init() {}

    init(trace: TraceFile, endSeq: UInt64?, withSeries: Bool = false) {
        guard var builder = Builder(trace: trace, endSeq: endSeq, withSeries: withSeries) else { return }
        trace.forEachEvent { builder.take($0) }
        finish(trace: trace, replay: builder.replay)
    }

    /// The timeline once `builder` has been fed the whole log (by SharedEventRead's one read).
    init(trace: TraceFile, built builder: Builder) {
        finish(trace: trace, replay: builder.replay)
    }

    /// The streaming state, fed every event in sequence order. Nil when the log holds nothing that counts.
    struct Builder {
        // One value mutated once per event: the closure's captured state costs one access check per event,
        // not one per field.
        fileprivate var replay: Replay

        init?(trace: TraceFile, endSeq: UInt64?, withSeries: Bool) {
            guard let last = LiveCountTimeline.windowEnd(trace: trace, endSeq: endSeq) else { return nil }
            replay = Replay(last: last, endSeq: endSeq, wrapped: trace.eventsOverwritten > 0, withSeries: withSeries)
        }

        mutating func take(_ event: TraceEvent) { replay.take(event) }
    }

    private mutating func finish(trace: TraceFile, replay initial: Replay) {
        var replay = initial
        if replay.wrapped {
            // What is open now comes from the live table and the call-site counters, which lost nothing.
            replay.processCount = trace.liveDescriptors.count - replay.afterEnd
            // Always-on: a partial stack's counts go to the full stack standing for it (StackSampling), as
            // its events did.
            var counts = [Int: Int]()
            for (stack, site) in trace.callSites {
                if let path = replay.pathIndex[trace.stackSampling?.shown(stack) ?? stack] {
                    counts[path, default: 0] += Int(clamping: site.opened) - Int(clamping: site.closed)
                }
            }
            for (path, count) in counts { replay.pathList[path].count = count }
        }
        if let process = replay.process { self.process = process }
        processCount = replay.processCount
        processNet = replay.processNet
        processSeries = replay.processSeries
        // A report keeps every process's timeline until the forecast runs: not the up to 3 MB reorder buffer.
        processSeries?.drainBuffer()
        paths = Dictionary(uniqueKeysWithValues: zip(replay.stackOfPath, replay.pathList))
        // The inherited ones are in processCount but not in the steps: the fit starts from 0 (a constant
        // offset changes neither the slope nor the verdict) and `current` is the real count.
        if let first = replay.first, replay.last > first { window = (first, replay.last) }
    }

    /// The chart lines of the code paths opened at `stacks`, over `window` (a second pass over the log).
    static func pathSeries(trace: TraceFile, endSeq: UInt64?, window: (start: Double, end: Double),
                           stacks: Set<UInt32>) -> [UInt32: SeriesAccumulator] {
        guard !stacks.isEmpty else { return [:] }
        var replay = Replay(last: window.end, endSeq: endSeq, wrapped: trace.eventsOverwritten > 0, withSeries: false)
        replay.trends = false
        replay.pathSeries = Dictionary(uniqueKeysWithValues: stacks.map { ($0, SeriesAccumulator(window: window)) })
        trace.forEachEvent { replay.take($0) }
        return replay.pathSeries
    }

    fileprivate static func windowEnd(trace: TraceFile, endSeq: UInt64?) -> Double? {
        trace.lastEvent(below: endSeq, where: Self.counts).map { LeakAnalysis.seconds($0.timeNs) }
    }

    /// The streaming state. Paths live in an array (changed in place), found by stack through `pathIndex`.
    fileprivate struct Replay {
        let last: Double
        let endSeq: UInt64?
        /// A wrapped ring lost the oldest events: descriptors opened before the kept window (the inherited
        /// ones included) are not in `open`; their closes still change the process's count.
        let wrapped: Bool
        let withSeries: Bool
        /// False in the second pass, which only draws `pathSeries`.
        var trends = true
        var pathSeries: [UInt32: SeriesAccumulator] = [:]
        var first: Double?
        var process: TrendAccumulator?
        var processCount = 0
        var processNet = 0
        var processSeries: SeriesAccumulator?
        var pathIndex = [UInt32: Int]()
        var pathList = [Path]()
        var stackOfPath = [UInt32]()
        /// fd → opening path; `inherited` for the inherited (stack 0's path when they close).
        var open = DescriptorMap()
        static let inherited = -1
        /// Net change of the process's count after `endSeq` (shutdown), when wrapped.
        var afterEnd = 0

        init(last: Double, endSeq: UInt64?, wrapped: Bool, withSeries: Bool) {
            self.last = last
            self.endSeq = endSeq
            self.wrapped = wrapped
            self.withSeries = withSeries
        }

        mutating func take(_ event: TraceEvent) {
            if let endSeq, event.seq >= endSeq {
                if wrapped { afterEnd += LiveCountTimeline.netChange(event) }
                return
            }
            let time = LeakAnalysis.seconds(event.timeNs)
            if first == nil && LiveCountTimeline.counts(event) {
                first = time
                if trends { process = TrendAccumulator(initial: 0, start: time, end: last) }
                if withSeries && last > time { processSeries = SeriesAccumulator(window: (time, last)) }
            }
            switch event.type {
            case .inherited: // counted from the start, not a change inside the window
                if event.fd >= 0 { open[event.fd] = Self.inherited; processCount += 1 }
            case .open:
                opened(event.fd, event, time: time)
                if event.fd2 >= 0 { opened(event.fd2, event, time: time) }
            case .dup:
                guard event.result >= 0, event.fd2 >= 0 else { return }
                opened(event.fd2, event, time: time)
            case .close:
                guard event.result == 0 else { return }
                if wrapped && open[event.fd] == nil {
                    processStep(time: time, delta: -1)  // opened before the kept window
                } else {
                    closed(event.fd, time: time)
                }
            default:
                return
            }
        }

        private mutating func closed(_ fd: Int32, time: Double) {
            guard let opener = open.removeValue(forKey: fd) else { return }
            processStep(time: time, delta: -1); processCount -= 1
            guard let path = opener == Self.inherited ? pathIndex[0] : opener else { return }
            pathStep(path, time: time, delta: -1)
        }

        private mutating func processStep(time: Double, delta: Int) {
            guard trends else { return }
            process?.add(time: time, delta: delta)
            processSeries?.add(time: time, delta: delta)
            processNet += delta
        }

        private mutating func pathStep(_ path: Int, time: Double, delta: Int) {
            if trends {
                pathList[path].trend.add(time: time, delta: delta)
                pathList[path].count += delta
                pathList[path].net += delta
                pathList[path].peakInOrder = max(pathList[path].peakInOrder, pathList[path].net)
            }
            if !pathSeries.isEmpty { pathSeries[stackOfPath[path]]?.add(time: time, delta: delta) }
        }

        private mutating func opened(_ fd: Int32, _ event: TraceEvent, time: Double) {
            guard fd >= 0 else { return }
            if open[fd] != nil { closed(fd, time: time) }
            processStep(time: time, delta: 1); processCount += 1
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
            pathStep(path, time: time, delta: 1)
        }
    }

    /// Whether `event` is inside the fitted window's bounds: an open, an open target of dup2/3 or a
    /// successful close.
    fileprivate static func counts(_ event: TraceEvent) -> Bool {
        switch event.type {
        case .open: return true
        case .dup: return event.result >= 0 && event.fd2 >= 0
        case .close: return event.result == 0
        default: return false
        }
    }

    /// +1/−1/0: what `event` does to the process's count of open descriptors (as far as the log says).
    fileprivate static func netChange(_ event: TraceEvent) -> Int {
        switch event.type {
        case .open: return (event.fd >= 0 ? 1 : 0) + (event.fd2 >= 0 ? 1 : 0)
        case .dup: return event.result >= 0 && event.fd2 >= 0 ? 1 : 0  // an open target's implicit close: −1 too,
                                                                      // but the log cannot tell; rare after shutdown
        case .close: return event.result == 0 ? -1 : 0
        default: return 0
        }
    }
}

/// fd → Int: an array for the usual small descriptor numbers (no hashing per event), a dictionary beyond, so
/// that a huge or corrupt number cannot make the array huge.
private struct DescriptorMap {
    private static let denseLimit: Int32 = 1 << 16
    private static let absent = Int.min
    private var dense = [Int]()
    private var sparse = [Int32: Int]()

    subscript(fd: Int32) -> Int? {
        get {
            guard fd >= 0, fd < Self.denseLimit else { return sparse[fd] }
            let index = Int(fd)
            guard index < dense.count, dense[index] != Self.absent else { return nil }
            return dense[index]
        }
        set {
            guard fd >= 0, fd < Self.denseLimit else { sparse[fd] = newValue; return }
            let index = Int(fd)
            if index >= dense.count {
                guard newValue != nil else { return }
                dense += repeatElement(Self.absent, count: max(index + 1, dense.count * 2) - dense.count)
            }
            dense[index] = newValue ?? Self.absent
        }
    }

    mutating func removeValue(forKey fd: Int32) -> Int? {
        let value = self[fd]
        if value != nil { self[fd] = nil }
        return value
    }
}
