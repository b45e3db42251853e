// The leak pass: descriptors still OPEN at the end go through the shared grouping step (CodePathGrouping:
// their opening stacks symbolized in one batch, descriptors whose symbolized stacks are the same code path
// grouped across processes — a program run many times, or forked workers, collapses into one code path). Inherited descriptors and
// stdio are set apart: they are never leaks. Sameness is decided at source level (StackIdentity). When the
// program named phases (PhaseTimeline), a group holds the descriptors of one phase only, and groups are
// ordered phase by phase (those opened outside any phase first). In an always-on trace a descriptor whose
// opening stack was not sampled is grouped by its code path's full stack (StackSampling), and the group
// says how many of its stacks were captured.

struct LeakAnalysis {
    /// Code paths symbolized at most (most descriptors first); the rest stay module+offset. Each is up to
    /// 128 addresses, so this bounds one llvm-symbolizer batch to ~100k lines (a few seconds).
    static let symbolizedStackLimit = 1000

    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int
    /// Links inherited descriptors to the process and stack that opened them (exec, spawn).
    var lineage: ProcessLineage? = nil
    /// The one read of each log (phase timelines); nil: this pass reads the logs it needs itself.
    var shared: [SharedEventRead]? = nil

    struct Result {
        var leaks: [LeakGroup]
        var inherited: [InheritedDescriptor]
        var warnings: [String]
        /// Per trace index: the phases it named, in begin order, each once (the JUnit report's test cases).
        var phases: [Int: [String]] = [:]
    }

    /// One descriptor left open, in the trace that holds it.
    private struct Member {
        let trace: Int
        let descriptor: LiveDescriptor
    }

    /// Per trace: its stack sampling (empty unless recorded in always-on mode).
    private let sampling: [StackSampling]

    init(traces: [TraceFile], symbolizer: Symbolizer, maxFrames: Int, lineage: ProcessLineage? = nil,
         shared: [SharedEventRead]? = nil) {
        self.traces = traces
        self.symbolizer = symbolizer
        self.maxFrames = maxFrames
        self.lineage = lineage
        self.shared = shared
        sampling = traces.map { $0.stackSampling ?? StackSampling(trace: $0) }
    }

    func run() -> Result {
        var grouping = CodePathGrouping<Member, String?>(traces: traces)  // key: the phase
        var inheritedRefs = [(trace: Int, descriptor: LiveDescriptor)]()
        var phaseOrder = PhaseOrder()
        var phaseWarnings = [String]()
        var phaseNames = [Int: [String]]()
        for (index, trace) in traces.enumerated() {
            // An image replaced by exec left nothing open "at exit": what it held was closed by the exec
            // (close-on-exec) or crossed into the new program (ExecCrossingAnalysis reports those).
            if trace.header.processState == .execed { continue }
            let timeline = SharedEventRead.phases(shared, index, trace)
            if let timeline {
                phaseOrder.add(timeline, trace: index)
                var seen = Set<String>()
                phaseNames[index] = timeline.phases.map(\.name).filter { seen.insert($0).inserted }
                if trace.eventsOverwritten > 0 {
                    phaseWarnings.append("process \(trace.header.pid): the event log wrapped, so descriptors opened earlier than its kept window are not attributed to a phase")
                } else if !trace.eventLogIsRing && trace.header.eventsDropped > 0 {
                    phaseWarnings.append("process \(trace.header.pid): the event log overflowed, so descriptors opened after it filled are not attributed to a phase")
                }
            }
            for descriptor in trace.liveDescriptors {
                if descriptor.state == .inherited || descriptor.fd <= 2 {
                    inheritedRefs.append((index, descriptor))
                    continue
                }
                if DBusAnalysis.isConnectionSocket(descriptor, in: trace) {
                    continue // its connection is reported (DBusAnalysis), not the socket under it
                }
                grouping.add(Member(trace: index, descriptor: descriptor), stack: sampling[index].shown(descriptor.stack), trace: index,
                             seq: descriptor.openSeq, key: timeline?.phase(openedAt: descriptor.openSeq)?.name)
            }
        }

        // Inherited descriptors show the stack that opened them (in a traced parent, or before an exec).
        let origins = inheritedRefs.map { ref -> ProcessLineage.Origin? in
            ref.descriptor.stack == 0 ? lineage?.origin(of: ref.descriptor.fd, in: ref.trace) : nil
        }
        let inheritedStacks = inheritedRefs.indices.map { position -> Int in
            if let origin = origins[position] { return grouping.addStack(origin.stack, trace: origin.trace, seq: origin.seq) }
            let ref = inheritedRefs[position]
            return grouping.addStack(ref.descriptor.stack, trace: ref.trace, seq: ref.descriptor.openSeq)
        }
        var warnings = phaseWarnings
        if grouping.stackCount > Self.symbolizedStackLimit {
            warnings.append("\(grouping.stackCount - Self.symbolizedStackLimit) smaller code paths were not symbolized (limit \(Self.symbolizedStackLimit)); they show module+offset")
        }
        let (groups, frames) = grouping.grouped(using: symbolizer, symbolizeAtMost: Self.symbolizedStackLimit)
        warnings += grouping.warnings

        let leaks = FindingRanking.rank(groups.map { makeGroup(stack: $0.stack, phase: $0.key, members: $0.members) },
                                        prefix: "L") { a, b in
            let (rankA, rankB) = (phaseOrder.rank(a.phase), phaseOrder.rank(b.phase))
            if rankA != rankB { return rankA < rankB }
            return LeakGroup.precedes(a, b)
        }

        let inherited = inheritedRefs.enumerated().map { position, ref in
            let trace = traces[ref.trace]
            let descriptor = ref.descriptor
            return InheritedDescriptor(
                pid: Int(trace.header.pid), fd: descriptor.fd,
                kind: DescriptorKind(traceValue: descriptor.kind).name,
                owner: DescriptorOwner.name(descriptor.owner),
                description: descriptor.str1 == 0 && descriptor.str2 == 0
                    ? nil : DescriptorDescriber.describe(descriptor, in: trace),
                reason: descriptor.state != .inherited ? "stdio"
                    : trace.header.flags.contains(.attached) ? "open before attach" : "inherited",
                stack: Array(frames[inheritedStacks[position]].prefix(maxFrames)),
                openedByPid: origins[position].map { Int(traces[$0.trace].header.pid) }
                    ?? (descriptor.stack != 0 && trace.header.flags.contains(.forked) ? Int(trace.header.ppid) : nil))
        }
        return Result(leaks: leaks, inherited: inherited, warnings: Self.deduplicated(warnings), phases: phaseNames)
    }

    private func makeGroup(stack: [Frame], phase: String?, members unsorted: [Member]) -> LeakGroup {
        let members = unsorted.sorted { ($0.descriptor.timeNs, $0.trace, $0.descriptor.fd) < ($1.descriptor.timeNs, $1.trace, $1.descriptor.fd) }
        let attribution = CulpritSelector.attribute(stack, executable: traces[members[0].trace].executable,
                                                    maxFrames: maxFrames)
        let pids = Set(members.map { Int(traces[$0.trace].header.pid) }).sorted()
        let times = members.map { Self.seconds($0.descriptor.timeNs) }
        // Exact totals: each (process, stack id) call site counted once.
        struct Site: Hashable { let trace: Int; let stack: UInt32 }
        var opened: Int?, closed: Int?
        // Always-on: the totals of the members' code paths (every stack of each, sampled or not).
        struct Path: Hashable { let trace: Int; let path: StackSampling.CodePath }
        var paths = Set<Path>()
        for site in Set(members.map { Site(trace: $0.trace, stack: $0.descriptor.stack) }) {
            if sampling[site.trace].alwaysOn, let path = sampling[site.trace].codePath[site.stack] {
                paths.insert(Path(trace: site.trace, path: path))
                continue
            }
            guard let counts = traces[site.trace].callSites[site.stack] else { continue }
            opened = (opened ?? 0) &+ Int(clamping: counts.opened)
            closed = (closed ?? 0) &+ Int(clamping: counts.closed)
        }
        var stackSampling: LeakGroup.StackSampling? = nil
        if members.contains(where: { sampling[$0.trace].alwaysOn }) {
            var openedWithStack = 0, pathOpened = 0, fullStacks = 0
            for path in paths {
                fullStacks += sampling[path.trace].fullStacks[path.path] ?? 0
                guard let totals = sampling[path.trace].totals[path.path] else { continue }
                opened = (opened ?? 0) &+ Int(clamping: totals.opened)
                closed = (closed ?? 0) &+ Int(clamping: totals.closed)
                pathOpened &+= Int(clamping: totals.opened)
                openedWithStack &+= Int(clamping: totals.openedWithStack)
            }
            let withStack = members.filter { !sampling[$0.trace].isPartial($0.descriptor.stack) }.count
            stackSampling = LeakGroup.StackSampling(leakedWithStack: withStack, leaked: members.count,
                                                    openedWithStack: openedWithStack, opened: pathOpened,
                                                    fullStacks: fullStacks)
        }
        let samples = DescriptorDescriber.samples(
            members.map { (Int(traces[$0.trace].header.pid), $0.descriptor.fd,
                           DescriptorDescriber.describe($0.descriptor, in: traces[$0.trace])) },
            multipleProcesses: pids.count > 1)
        var group = LeakGroup(
            id: "",
            count: members.count,
            kind: DescriptorKind(traceValue: Self.mostCommon(members.map(\.descriptor.kind))).name,
            api: OpeningAPI.name(Self.mostCommon(members.map(\.descriptor.api))),
            owner: DescriptorOwner.name(Self.mostCommon(members.map(\.descriptor.owner))),
            culprit: attribution.culprit,
            calledFrom: attribution.calledFrom,
            stack: attribution.shownStack,
            samples: samples,
            pids: pids,
            perProcess: LeakGroup.ProcessCount.tally(members.map { Int(traces[$0.trace].header.pid) }),
            firstSeenSeconds: times.min() ?? 0,
            lastSeenSeconds: times.max() ?? 0,
            openedAtSite: opened,
            closedAtSite: closed,
            closeWait: Self.closeWaitCount(members.map(\.descriptor)),
            phase: phase)
        group.stackSampling = stackSampling
        LeakAssessment.apply(to: &group, runEnd: Self.runEnd(of: members.map(\.trace), in: traces),
                              limitHitAt: Self.limitHit(in: members.map(\.trace), in: traces),
                              position: LeakAssessment.position(of: members.map { ($0.trace, $0.descriptor.openSeq) }, in: traces))
        return group
    }

    /// The first EMFILE/ENFILE among the processes of `indices` (nil when none ran out).
    static func limitHit(in indices: [Int], in traces: [TraceFile]) -> Double? {
        Set(indices).compactMap { LeakAssessment.limitHit(in: traces[$0]) }.min()
    }

    /// The latest end among the runs of `indices` (nil when none of them ended: killed or running).
    static func runEnd(of indices: [Int], in traces: [TraceFile]) -> Double? {
        Set(indices).compactMap { LeakAssessment.runEnd(of: traces[$0]) }.max()
    }

    /// How many are TCP sockets the peer closed while this process kept them (nil when none).
    static func closeWaitCount(_ descriptors: [LiveDescriptor]) -> Int? {
        let count = descriptors.filter { $0.tcpState == TCPState.closeWait }.count
        return count > 0 ? count : nil
    }

    /// The most frequent value; ties go to the smaller raw value so reports are deterministic.
    static func mostCommon(_ values: [UInt8]) -> UInt8 {
        var counts = [UInt8: Int]()
        for value in values { counts[value, default: 0] += 1 }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key ?? 0
    }

    /// Nanoseconds to seconds, rounded to microseconds (stable, readable JSON).
    static func seconds(_ ns: UInt64) -> Double {
        (Double(ns / 1000) / 1_000_000)
    }

    /// Same message once; at most 20, then a count of the rest.
    static func deduplicated(_ messages: [String]) -> [String] {
        var seen = Set<String>()
        let unique = messages.filter { seen.insert($0).inserted }
        guard unique.count > 20 else { return unique }
        return Array(unique.prefix(20)) + ["… and \(unique.count - 20) more stack problems"]
    }
}
