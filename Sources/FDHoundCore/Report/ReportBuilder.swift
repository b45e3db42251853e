// The facade the CLI calls: load and validate traces, analyse, symbolize what matters in one batch, and
// assemble the report model.

/// Builds a `Report` from a trace directory or file.
public enum ReportBuilder {
    /// Throws `TraceError` when a trace is unreadable (naming the file and the problem).
    public static func build(tracePath: String, options: ReportOptions) throws -> Report {
        let (traces, skipped) = try TraceSet.scan(path: tracePath)
        return build(traces: traces, tracePath: tracePath, options: options,
                     warnings: skipped.map { "\($0.path): skipped: \($0.reason)" })
    }

    /// The report of traces already loaded (`report --pid`: a running process's trace, copied consistently).
    public static func build(traces: [TraceFile], tracePath: String, options: ReportOptions,
                             warnings initialWarnings: [String] = []) -> Report {
        var warnings = initialWarnings

        let tool: Symbolizer
        if let chosen = options.symbolizer {
            tool = chosen
        } else if let llvm = LLVMSymbolizer() {
            tool = llvm
        } else {
            tool = NullSymbolizer()
            warnings.append("llvm-symbolizer not found; showing module+offset")
        }
        let symbolizer = CachingSymbolizer(tool) // later passes re-ask for the leak groups' addresses

        let maxFrames = max(1, options.maxFrames)
        let full = !options.summaryOnly
        // Each log is read once here for every pass that streams it (SharedEventRead), not once per pass.
        let needs = SharedEventRead.Needs(summarizerCounts: full, forecastWithSeries: full ? true : nil)
        let shared = traces.map { SharedEventRead(trace: $0, needs: needs) }
        let lineage = ProcessLineage(traces: traces)
        let analysis = LeakAnalysis(traces: traces, symbolizer: symbolizer, maxFrames: maxFrames,
                                    lineage: lineage, shared: shared).run()
        // `run`'s summary line prints how many descriptors crossed an exec and how many misuses there were, not
        // their code paths, and those counts do not depend on names: it symbolizes none of their stacks.
        let countsOnly: Symbolizer = full ? symbolizer : NullSymbolizer()
        let crossings = ExecCrossingAnalysis(traces: traces, lineage: lineage, symbolizer: countsOnly,
                                             maxFrames: maxFrames).run()
        let misuse = MisuseAnalysis(traces: traces, symbolizer: countsOnly, maxFrames: maxFrames,
                                    collected: shared.map(\.misuse)).run()
        let dbus = DBusAnalysis(traces: traces, symbolizer: symbolizer, maxFrames: maxFrames,
                                sockets: shared.map(\.dbusSockets)).run()
        let reclaim = ReclaimAnalysis(traces: traces, symbolizer: symbolizer, maxFrames: maxFrames, shared: shared).run()
        let growth = GrowthAnalysis(traces: traces, symbolizer: symbolizer, maxFrames: maxFrames,
                                    shutdownStart: reclaim.shutdownStart, replays: reclaim.replays).run()
        let outlived = PhaseOutlivedAnalysis(traces: traces, symbolizer: symbolizer, maxFrames: maxFrames,
                                             replays: reclaim.replays, reclaimedCloses: reclaim.reclaimedCloses,
                                             shared: shared).run()
        if full {
            for (trace, read) in zip(traces, shared) { warnings += ProcessSummarizer.warnings(for: trace, log: read.summarizerCounts) }
        }
        warnings += dbus.warnings
        let evidence = full ? EvidenceAnalysis(traces: traces, symbolizer: symbolizer, maxFrames: maxFrames).run()
            : EvidenceAnalysis.Result()
        let forecast = full ? ExhaustionForecast(traces: traces, symbolizer: symbolizer, maxFrames: maxFrames,
                                                 shutdownStart: reclaim.shutdownStart,
                                                 timelines: Self.timelines(shared)).run()
            : ExhaustionForecast.Result()
        var processes = traces.map(ProcessSummarizer.summary)
        for (index, summary) in dbus.summaries { processes[index].dbus = summary }
        for (index, item) in evidence.evidence { processes[index].evidence = item }
        for (index, item) in forecast.processes { processes[index].timeLeft = item }
        for (index, names) in analysis.phases { processes[index].phases = names }
        warnings += evidence.warnings + forecast.warnings
        warnings += analysis.warnings + crossings.warnings + misuse.warnings
        warnings += LeakAnalysis.deduplicated(reclaim.warnings + growth.warnings + outlived.warnings)
        var reported = Set<String>()
        for frame in analysis.leaks.flatMap(\.stack) + crossings.groups.flatMap(\.stack)
            + misuse.groups.flatMap({ [$0.close] + [$0.earlierClose, $0.open].compactMap { $0 } }).flatMap(\.stack) {
            reported.insert(frame.module)
        }
        for frame in reclaim.groups.flatMap(\.stack) + growth.groups.flatMap(\.stack) + outlived.groups.flatMap(\.stack) {
            reported.insert(frame.module)
        }
        let evidenceStacks: [[Frame]] = evidence.evidence.values.flatMap { $0.moments.flatMap { $0.codePaths.map(\.stack) } }
        for frame in forecast.codePaths.flatMap(\.stack) + evidenceStacks.flatMap({ $0 }) {
            reported.insert(frame.module)
        }
        if full && options.checkModuleFiles { warnings += ModuleFileCheck.warnings(for: traces, modulesInReport: reported) }
        var report = Report(tracePath: tracePath,
                      processes: processes,
                      leaks: DBusAnalysis.merged(analysis.leaks, with: dbus.leaks),
                      inherited: analysis.inherited,
                      execLeaks: crossings.groups,
                      misuse: misuse.groups,
                      reclaimed: reclaim.groups,
                      growth: growth.groups,
                      warnings: warnings,
                      showInherited: options.includeInherited)
        report.timeLeft = forecast.codePaths
        report.openOverTime = forecast.series.sorted { $0.pid < $1.pid }
        report.outlivedPhase = outlived.groups
        report.foldInterpreterFrames = !options.nativeFrames
        report.execPassed = crossings.passed
        report.exhaustion = ExhaustionSection.entries(from: processes)
        FindingAssessment.apply(to: &report)
        Fingerprint.assign(to: &report)
        SuppressionStep.apply(options.suppressions, to: &report)
        return report
    }

    /// The forecast's timelines the shared read replayed, by trace index.
    private static func timelines(_ shared: [SharedEventRead]) -> [Int: LiveCountTimeline] {
        var timelines = [Int: LiveCountTimeline]()
        for (index, read) in shared.enumerated() { timelines[index] = read.forecast }
        return timelines
    }
}
