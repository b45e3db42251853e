// One read of each trace's event log for every pass that streams it. Each pass keeps its own streaming
// state (a collector with `take(_:)`: per descriptor number, per stack or per phase, nothing per event) and
// still does its own grouping, ranking and wording afterwards; what they share is the walk over the mapping
// and the decoding of each event (EventLog), which was most of a report's time when each of the five or six
// passes walked a 10 M-event log itself. The collectors are concrete fields, not a list of protocol values:
// each event goes to each of them by a direct call, not a dynamic dispatch per event and per pass.

struct SharedEventRead {
    /// What the report will use besides the passes every report runs.
    struct Needs {
        /// ProcessSummarizer's warnings (the full report; not `run`'s summary line).
        var summarizerCounts = false
        /// ExhaustionForecast's timelines, with the chart's series or not; nil: no forecast.
        var forecastWithSeries: Bool? = nil
    }

    /// LeakAnalysis, ReclaimAnalysis and PhaseOutlivedAnalysis: the phases the program named (nil: none).
    private(set) var phases: PhaseTimeline?
    /// ReclaimAnalysis, GrowthAnalysis and PhaseOutlivedAnalysis (CPython processes only; nil otherwise): every
    /// release of the kept window paired with its opening.
    private(set) var replay: DescriptorReplay?
    /// ReclaimAnalysis (CPython processes): where interpreter shutdown began.
    private(set) var shutdownStart = ReclaimAnalysis.ShutdownStart()
    /// MisuseAnalysis.
    private(set) var misuse = MisuseAnalysis.Collector()
    /// DBusAnalysis's per-process summary.
    private(set) var dbusSockets = DBusAnalysis.SocketCollector()
    /// ProcessSummarizer.warnings (nil unless needed).
    private(set) var summarizerCounts: ProcessSummarizer.LogCounts?
    /// ExhaustionForecast, for the traces it replays whole (no interpreter shutdown to stop at: not CPython;
    /// not an image replaced by exec, which the forecast skips).
    private(set) var forecast: LiveCountTimeline?

    /// Reads `trace`'s log once, handing each event to every collector the report needs.
    init(trace: TraceFile, needs: Needs) {
        var forecastBuilder: LiveCountTimeline.Builder?
        let replaysWhole = trace.header.processState != .execed && !DescriptorReplay.isPython(trace)
        if let withSeries = needs.forecastWithSeries, replaysWhole {
            forecastBuilder = LiveCountTimeline.Builder(trace: trace, endSeq: nil, withSeries: withSeries)
            forecast = LiveCountTimeline()  // nothing counts unless the builder exists
        }
        // One value mutated once per event: a closure's captured variable costs an access check per event.
        var collectors = Collectors(replay: DescriptorReplay.isPython(trace) ? DescriptorReplay.Builder() : nil,
                                    forecast: forecastBuilder)
        let scan = trace.forEachEvent { collectors.take($0) }
        let timeline = collectors.phases.timeline(name: { trace.string($0) })
        phases = timeline.isEmpty ? nil : timeline
        replay = collectors.replay.map { DescriptorReplay(built: $0) }
        shutdownStart = collectors.shutdown
        misuse = collectors.misuse.misusesOnly()
        dbusSockets = collectors.dbus
        if needs.summarizerCounts {
            collectors.counts.scan = scan
            summarizerCounts = collectors.counts
        }
        if let built = collectors.forecast { forecast = LiveCountTimeline(trace: trace, built: built) }
    }

    private struct Collectors {
        var phases = PhaseTimeline.Builder()
        var shutdown = ReclaimAnalysis.ShutdownStart()
        var replay: DescriptorReplay.Builder?
        var misuse = MisuseAnalysis.Collector()
        var dbus = DBusAnalysis.SocketCollector()
        var counts = ProcessSummarizer.LogCounts()
        var forecast: LiveCountTimeline.Builder?

        mutating func take(_ event: TraceEvent) {
            phases.take(event)
            shutdown.take(event)
            replay?.take(event)
            misuse.take(event)
            dbus.take(event)
            counts.take(event)
            forecast?.take(event)
        }
    }

    /// The phase timeline of trace `index`: from the shared read when there is one, else read here.
    static func phases(_ shared: [SharedEventRead]?, _ index: Int, _ trace: TraceFile) -> PhaseTimeline? {
        guard let shared else { return PhaseTimeline.of(trace) }
        return shared[index].phases
    }
}
