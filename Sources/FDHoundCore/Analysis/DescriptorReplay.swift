// Replays one trace's event log in sequence order and pairs every close with the event that opened that
// descriptor (OPEN, DUP target, INHERITED), so later passes can ask "who opened what this close released",
// and follow the live count of each opening stack over time. Used by ReclaimAnalysis and GrowthAnalysis.
// The one pass whose memory follows the log: it keeps a small record per release and per step of the kept
// window (about 100 bytes per close), which the ring bounds by its capacity.

struct DescriptorReplay {
    /// The opening side of a descriptor, as the event log recorded it.
    struct Opening {
        let seq: UInt64
        let stack: UInt32
        let kind: UInt8
        let api: UInt8
        let timeNs: UInt64
        var str1: UInt32
        var str2: UInt32
    }

    /// The closing side: what ReclaimAnalysis reads of the event that released a descriptor (kept small:
    /// a replay holds one per release of the kept window).
    struct Closing {
        let seq: UInt64
        let timeNs: UInt64
        /// CLOSE events carry the interpreter's state in `arg` (finalizing, collecting).
        let arg: UInt64
        let stack: UInt32
        /// CLOSE, or DUP for a dup target closed implicitly.
        let type: EventType

        init(_ event: TraceEvent) {
            seq = event.seq
            timeNs = event.timeNs
            arg = event.arg
            stack = event.stack
            type = event.type
        }
    }

    /// A successful close (or the implicit close of a dup target) paired with its opening.
    struct Release {
        let fd: Int32
        let close: Closing
        let opening: Opening
    }

    /// One change of an opening stack's live count: +1 opened, −1 released.
    struct Step {
        let seq: UInt64
        let timeNs: UInt64
        let stack: UInt32
        let delta: Int
        /// What the code path opened (raw kind and api bytes of the opening event).
        let kind: UInt8
        let api: UInt8
    }

    private(set) var releases = [Release]()
    private(set) var steps = [Step]()
    /// Closes whose descriptor was not seen opening in the log (opened before the shim, or the log lost it).
    private(set) var unmatchedCloses = 0

    /// Replays the kept window of `trace`'s log in one streaming pass.
    init(trace: TraceFile) {
        self.init { trace.forEachEvent($0) }
    }

    init(events: [TraceEvent]) {
        self.init { visit in events.forEach(visit) }
    }

    /// `source` hands every event to its argument, in sequence order.
    private init(_ source: ((TraceEvent) -> Void) -> Void) {
        var builder = Builder()
        source { builder.take($0) }
        self.init(built: builder)
    }

    /// The replay of a log `builder` was fed whole (by SharedEventRead's one read).
    init(built builder: Builder) {
        releases = builder.releases
        steps = builder.steps
        unmatchedCloses = builder.unmatchedCloses
    }

    /// The streaming state: fed every event in sequence order.
    struct Builder {
        private var open = [Int32: Opening]()
        fileprivate private(set) var releases = [Release]()
        fileprivate private(set) var steps = [Step]()
        fileprivate private(set) var unmatchedCloses = 0

        mutating func take(_ event: TraceEvent) {
            switch event.type {
            case .open: // fd, and fd2 for pipes and socket pairs
                opened(event.fd, event)
                if event.fd2 >= 0 { opened(event.fd2, event) }
            case .dup: // fd2 becomes a copy of fd; an open fd2 was closed first
                guard event.result >= 0, event.fd2 >= 0 else { return }
                if open[event.fd2] != nil { released(event.fd2, by: event) }
                opened(event.fd2, event)
            case .inherited: // open at start, no opening stack
                opened(event.fd, event)
            case .label: // endpoints learned after the open (connect, bind)
                if var opening = open[event.fd] {
                    if event.str1 != 0 { opening.str1 = event.str1 }
                    if event.str2 != 0 { opening.str2 = event.str2 }
                    open[event.fd] = opening
                }
            case .close: // (close, fclose, closedir…): only a successful one released the descriptor
                if event.result == 0 { released(event.fd, by: event) }
            default:
                return
            }
        }

        private mutating func opened(_ fd: Int32, _ event: TraceEvent) {
            guard fd >= 0 else { return }
            open[fd] = Opening(seq: event.seq, stack: event.stack, kind: event.kind, api: event.api,
                               timeNs: event.timeNs, str1: event.str1, str2: event.str2)
            if event.stack != 0 {
                steps.append(Step(seq: event.seq, timeNs: event.timeNs, stack: event.stack, delta: 1,
                                  kind: event.kind, api: event.api))
            }
        }

        private mutating func released(_ fd: Int32, by event: TraceEvent) {
            guard let opening = open.removeValue(forKey: fd) else {
                unmatchedCloses += 1
                return
            }
            releases.append(Release(fd: fd, close: Closing(event), opening: opening))
            if opening.stack != 0 {
                steps.append(Step(seq: event.seq, timeNs: event.timeNs, stack: opening.stack, delta: -1,
                                  kind: opening.kind, api: opening.api))
            }
        }
    }

    /// "local -> peer" for sockets, the path for files, else the kind's name (as DescriptorDescriber).
    static func describe(_ opening: Opening, in trace: TraceFile) -> String {
        let kind = DescriptorKind(traceValue: opening.kind)
        let first = trace.string(opening.str1)
        let second = trace.string(opening.str2)
        if kind.isSocket {
            switch (first, second) {
            case let (local?, peer?): return "\(local) -> \(peer)"
            case let (local?, nil): return local
            case let (nil, peer?): return "-> \(peer)"
            case (nil, nil): return kind.name
            }
        }
        return first ?? kind.name
    }

    /// Whether the trace comes from a CPython process (Python frames recorded at some point).
    static func isPython(_ trace: TraceFile) -> Bool {
        trace.header.flags.contains(.pythonFrames)
    }
}
