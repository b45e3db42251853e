// Which phase each descriptor of one trace was opened in. Phases are named by the program through the
// shim's API (fdhound_phase_begin/end; the pytest plugin makes each test one): PHASE_BEGIN/PHASE_END events
// nest per thread; an open belongs to the innermost phase of its own thread, else to the phase begun last
// in the process that is still open (a test's helper threads count for the test). See TRACE-FORMAT.md.

struct PhaseTimeline {
    /// One phase of the trace, in begin order.
    struct Phase {
        var name: String
        let beginSeq: UInt64
        var endSeq: UInt64?
    }

    private(set) var phases = [Phase]()
    /// Opening event seq (OPEN, DUP) → index in `phases`.
    private var phaseOfOpen = [UInt64: Int]()

    /// Name shown for a phase begun with a NULL name.
    static let unnamed = "(unnamed phase)"

    init(events: [TraceEvent], name: (UInt32) -> String?) {
        self.init(source: { visit in events.forEach(visit) }, name: name)
    }

    /// `source` hands every event to its argument, in sequence order (TraceFile.forEachEvent: streamed).
    init(source: ((TraceEvent) -> Void) -> Void, name: (UInt32) -> String?) {
        var builder = Builder()
        source { builder.take($0) }
        self = builder.timeline(name: name)
    }

    /// The streaming state: fed every event in sequence order (by its own pass or by SharedEventRead's one
    /// read of the log), then turned into the timeline once the string ids can be resolved.
    struct Builder {
        private var perThread = [UInt32: [Int]]() // tid → its open phases, innermost last
        private var open = [Int]()                // every open phase, in begin order
        private var phases = [Phase]()
        private var nameIDs = [UInt32]()  // string ids, resolved after the pass
        private var phaseOfOpen = [UInt64: Int]()

        mutating func take(_ event: TraceEvent) {
            switch event.type {
            case .phaseBegin:
                let index = phases.count
                phases.append(Phase(name: PhaseTimeline.unnamed, beginSeq: event.seq))
                nameIDs.append(event.str1)
                perThread[event.tid, default: []].append(index)
                open.append(index)
            case .phaseEnd: // the innermost phase its thread began (an unmatched end is ignored)
                guard let index = perThread[event.tid]?.popLast() else { return }
                phases[index].endSeq = event.seq
                open.removeAll { $0 == index }
            case .open, .dup:
                // No phase begun yet (the usual trace): nothing to look up.
                guard !phases.isEmpty else { return }
                if let index = perThread[event.tid]?.last ?? open.last { phaseOfOpen[event.seq] = index }
            default:
                return
            }
        }

        func timeline(name: (UInt32) -> String?) -> PhaseTimeline {
            var timeline = PhaseTimeline()
            timeline.phases = phases
            for index in phases.indices where nameIDs[index] != 0 {
                timeline.phases[index].name = name(nameIDs[index]) ?? PhaseTimeline.unnamed
            }
            timeline.phaseOfOpen = phaseOfOpen
            return timeline
        }
    }

    private init() {}

    /// Whether the program named any phase at all (else reports stay as they were).
    var isEmpty: Bool { phases.isEmpty }

    /// The phase a descriptor opened by event `openSeq` belongs to, nil when none was open.
    func phase(openedAt openSeq: UInt64) -> Phase? {
        phaseOfOpen[openSeq].map { phases[$0] }
    }

    /// Builds the timeline of a trace in one streaming pass over its log, or nil when the log holds no
    /// phase (the common case). Memory: the phases, and one entry per descriptor opened inside one (of the
    /// kept window: a wrapped ring lost the phases of older opens, which then read as "no phase").
    static func of(_ trace: TraceFile) -> PhaseTimeline? {
        let timeline = PhaseTimeline(source: { trace.forEachEvent($0) }, name: { trace.string($0) })
        return timeline.isEmpty ? nil : timeline
    }
}

/// The order phases are reported in across the traces of a run: by first begin (trace order, then seq);
/// findings outside any phase come first.
struct PhaseOrder {
    private var ranks = [String: Int]()

    mutating func add(_ timeline: PhaseTimeline, trace: Int) {
        for phase in timeline.phases where ranks[phase.name] == nil { ranks[phase.name] = ranks.count + 1 }
    }

    /// 0 for no phase, then 1, 2, … in order of first appearance.
    func rank(_ phase: String?) -> Int {
        phase.flatMap { ranks[$0] } ?? 0
    }
}
