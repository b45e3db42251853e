// The leaks Python hides: descriptors of a CPython process that the program never closed, released
// instead by a finalizer (refcounting dropped the last reference: what ResourceWarning reports, here with
// the opening stack and for every library, C extensions included), by the cyclic garbage collector, or
// during interpreter shutdown. Each such close is paired with the event that opened its descriptor
// (DescriptorReplay) and classified (CloseClassifier); groups are per class, opening code path and phase
// (PhaseTimeline: the phase the descriptor was opened in, when the program named phases).

struct ReclaimAnalysis {
    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int
    /// The one read of each log (phase timelines, where shutdown began); nil: this pass reads the logs it needs itself.
    var shared: [SharedEventRead]? = nil

    struct Result {
        var groups: [ReclaimedGroup]
        /// Per trace index (CPython processes): where interpreter shutdown began — the first close made
        /// during shutdown, or the exit — so growth sampling stops there; `.max` when neither was seen.
        var shutdownStart: [Int: UInt64]
        /// Per trace index (CPython processes): the replayed event log, shared with GrowthAnalysis.
        var replays: [Int: DescriptorReplay] = [:]
        var warnings: [String]
        /// Per trace index: the close events classified as reclaimed (PhaseOutlivedAnalysis leaves them
        /// to this pass, so a descriptor is one finding, not two).
        var reclaimedCloses: [Int: Set<UInt64>] = [:]
    }

    private struct Finding {
        let trace: Int
        let how: ReclaimKind
        let release: DescriptorReplay.Release
        let closeStack: [AddressFrame]
    }

    /// Groups are per class of release, opening code path and phase.
    private struct Key: Hashable { let how: ReclaimKind; let phase: String? }

    /// Where interpreter shutdown began: the first EXIT, or the first close made while the interpreter was
    /// finalizing (UInt64.max: neither). Fed every event in sequence order.
    struct ShutdownStart {
        private(set) var start = UInt64.max

        mutating func take(_ event: TraceEvent) {
            if event.type == .exit || (event.type == .close && event.arg & CloseClassifier.finalizingBit != 0) {
                start = min(start, event.seq)
            }
        }
    }

    func run() -> Result {
        var warnings = [String]()
        var shutdownStart = [Int: UInt64]()
        var replays = [Int: DescriptorReplay]()
        var grouping = CodePathGrouping<Finding, Key>(traces: traces)
        var candidates = [(trace: Int, release: DescriptorReplay.Release)]()
        var timelines = [Int: PhaseTimeline]()
        var phaseOrder = PhaseOrder()
        // Close stacks to classify, once per (trace, stack id): they repeat (a loop closes from one place).
        var closeStacks = [[AddressFrame]]()
        var closeStackIndex = [Int: [UInt32: Int]]()
        for (index, trace) in traces.enumerated() where DescriptorReplay.isPython(trace) {
            if trace.eventsOverwritten > 0 {
                warnings.append("process \(trace.header.pid): the event log wrapped (the oldest \(trace.eventsOverwritten) events were overwritten); descriptors opened earlier than the kept window are not classified as reclaimed by Python, and growth covers the kept window only")
            } else if !trace.eventLogIsRing && trace.header.eventsDropped > 0 {
                warnings.append("process \(trace.header.pid): the event log overflowed (\(trace.header.eventsDropped) events dropped); descriptors released after it filled are not classified as reclaimed by Python, and growth covers the logged part only")
            }
            let replay = shared?[index].replay ?? DescriptorReplay(trace: trace)
            replays[index] = replay
            if let timeline = SharedEventRead.phases(shared, index, trace) {
                timelines[index] = timeline
                phaseOrder.add(timeline, trace: index)
            }
            if let shared {
                shutdownStart[index] = shared[index].shutdownStart.start
            } else {
                var shutdown = ShutdownStart()
                trace.forEachEvent { shutdown.take($0) }
                shutdownStart[index] = shutdown.start
            }
            for release in replay.releases where release.fd > 2 && release.opening.stack != 0 && release.close.type == .close {
                candidates.append((index, release))
                let flags = release.close.arg & (CloseClassifier.finalizingBit | CloseClassifier.collectingBit)
                if flags == 0, release.close.stack != 0, closeStackIndex[index]?[release.close.stack] == nil {
                    let (frames, _) = StackResolver.resolve(release.close.stack, in: trace, atSeq: release.close.seq)
                    closeStackIndex[index, default: [:]][release.close.stack] = closeStacks.count
                    closeStacks.append(CloseClassifier.decidingPrefix(frames))
                }
            }
        }
        guard !candidates.isEmpty else { return Result(groups: [], shutdownStart: shutdownStart, replays: replays, warnings: warnings) }
        // Only the deciding frames of each distinct close stack, in one symbolizer batch.
        let closeFrames = StackSymbolization.frames(for: closeStacks, symbolize: Set(closeStacks.indices), using: symbolizer)
        var unnamedInterpreter = Set<Int>()

        // One verdict per (trace, close stack id, bits): the same close site repeats.
        struct Verdict { let how: ReclaimKind?; let addresses: [AddressFrame] }
        var verdicts = [Int: [UInt64: Verdict]]()
        var reclaimedCloses = [Int: Set<UInt64>]()
        for (trace, release) in candidates {
            let flags = release.close.arg & (CloseClassifier.finalizingBit | CloseClassifier.collectingBit)
            let key = UInt64(release.close.stack) << 2 | flags
            var verdict = verdicts[trace]?[key]
            if verdict == nil {
                var stack = [Frame]()
                var addresses = [AddressFrame]()
                if let position = closeStackIndex[trace]?[release.close.stack] {
                    stack = closeFrames[position]
                    addresses = closeStacks[position]
                    if stack.contains(where: { $0.functionOrNearSymbol == nil && !PythonFrames.isPython($0) && Self.isInterpreterModule($0.module) }) {
                        unnamedInterpreter.insert(trace)
                    }
                } else if flags == CloseClassifier.collectingBit, release.close.stack != 0 {
                    // Not symbolized (the bit decides), but its Python frames say where gc.collect() ran.
                    addresses = StackResolver.resolve(release.close.stack, in: traces[trace], atSeq: release.close.seq).frames
                }
                verdict = Verdict(how: CloseClassifier.classify(flags: flags, stack: stack), addresses: addresses)
                verdicts[trace, default: [:]][key] = verdict
            }
            guard let verdict, let how = verdict.how else { continue }
            if how == .interpreterShutdown {
                shutdownStart[trace] = min(shutdownStart[trace] ?? .max, release.close.seq)
            }
            reclaimedCloses[trace, default: []].insert(release.close.seq)
            grouping.add(Finding(trace: trace, how: how, release: release, closeStack: verdict.addresses),
                         stack: release.opening.stack, trace: trace, seq: release.opening.seq,
                         key: Key(how: how, phase: timelines[trace]?.phase(openedAt: release.opening.seq)?.name))
        }
        for trace in unnamedInterpreter.sorted() {
            warnings.append("process \(traces[trace].header.pid): the interpreter's own functions have no symbols, so descriptors released by a refcount finalizer may be missed (the garbage collector and shutdown are still told apart); install the interpreter's debug symbols (e.g. python3.X-dbg) for a complete picture")
        }
        guard !grouping.isEmpty else { return Result(groups: [], shutdownStart: shutdownStart, replays: replays, warnings: warnings + grouping.warnings, reclaimedCloses: reclaimedCloses) }

        let groups = grouping.grouped(using: symbolizer).groups.map { code -> ReclaimedGroup in
            let key = code.key
            let parts = code.members.sorted { ($0.release.opening.timeNs, $0.trace) < ($1.release.opening.timeNs, $1.trace) }
            let first = parts[0]
            let attribution = CulpritSelector.attribute(code.stack, executable: traces[first.trace].executable,
                                                        maxFrames: maxFrames)
            let pids = Set(parts.map { Int(traces[$0.trace].header.pid) }).sorted()
            // Descriptions repeat (one path, one endpoint): decode each distinct one once.
            struct Described: Hashable { let trace: Int; let kind: UInt8; let str1: UInt32; let str2: UInt32 }
            var described = [Described: String]()
            let samples = DescriptorDescriber.samples(
                parts.map { part in
                    let opening = part.release.opening
                    let key = Described(trace: part.trace, kind: opening.kind, str1: opening.str1, str2: opening.str2)
                    let text = described[key] ?? DescriptorReplay.describe(opening, in: traces[part.trace])
                    described[key] = text
                    return (Int(traces[part.trace].header.pid), Int(part.release.fd), text)
                },
                multipleProcesses: pids.count > 1)
            let openTimes = parts.map { LeakAnalysis.seconds($0.release.opening.timeNs) }
            let closeTimes = parts.map { LeakAnalysis.seconds($0.release.close.timeNs) }
            return ReclaimedGroup(
                id: "", how: key.how, count: parts.count,
                kind: DescriptorKind(traceValue: LeakAnalysis.mostCommon(parts.map(\.release.opening.kind))).name,
                api: OpeningAPI.name(LeakAnalysis.mostCommon(parts.map(\.release.opening.api))),
                culprit: attribution.culprit, calledFrom: attribution.calledFrom, stack: attribution.shownStack,
                releasedIn: key.how == .interpreterShutdown ? nil : Self.releasingPythonFrame(first.closeStack),
                samples: samples, pids: pids,
                perProcess: LeakGroup.ProcessCount.tally(parts.map { Int(traces[$0.trace].header.pid) }),
                firstOpenedSeconds: openTimes.min() ?? 0, lastOpenedSeconds: openTimes.max() ?? 0,
                firstReleasedSeconds: closeTimes.min() ?? 0, lastReleasedSeconds: closeTimes.max() ?? 0,
                phase: key.phase)
        }
        let ranked = FindingRanking.rank(groups, prefix: "R") { a, b in
            let (rankA, rankB) = (phaseOrder.rank(a.phase), phaseOrder.rank(b.phase))
            if rankA != rankB { return rankA < rankB }
            if a.count != b.count { return a.count > b.count }
            if a.how != b.how { return a.how.rawValue < b.how.rawValue }
            return (a.culprit.function ?? a.culprit.address) < (b.culprit.function ?? b.culprit.address)
        }
        return Result(groups: ranked, shutdownStart: shutdownStart, replays: replays, warnings: warnings + grouping.warnings,
                      reclaimedCloses: reclaimedCloses)
    }

    /// The program's Python frame that was running when the descriptor was released (where the last
    /// reference was dropped, or gc.collect() was called): the innermost Python frame outside the standard
    /// library, else the innermost Python frame.
    static func releasingPythonFrame(_ stack: [AddressFrame]) -> Frame? {
        let python = stack.compactMap(\.python)
        return python.first { $0.function != nil && !PythonFrames.isStandardLibrary($0.file) } ?? python.first
    }

    /// libpython3.X.so or a python3.X executable (a static build).
    static func isInterpreterModule(_ module: String) -> Bool {
        let name = module.split(separator: "/").last.map(String.init) ?? module
        return name.hasPrefix("libpython3") || name.hasPrefix("python3")
    }
}
