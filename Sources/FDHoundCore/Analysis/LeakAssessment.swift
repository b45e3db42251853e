// Decides each leak group's pattern (growing, repeated, once) and confidence from what the report already
// knows: how often its call site opened and closed (exact call-site counters), how many it kept, and when
// the kept ones were opened relative to the end of the run. The criteria (documented in README, "Patterns"):
//   once      the code path opened no more descriptors than it has processes (each opened it once and kept
//             it), or at most 8 per process, all in the first quarter of the run and none closed;
//   growing   at least 3 kept, the first kept one opened in the first half of the run and the last in its
//             last quarter: descriptors were still being kept when the run ended;
//   repeated  everything else (opened many, kept many, but not still adding at the end).
// The sentence saying why comes from LeakAssessmentWording.

enum LeakAssessment {
    /// At most this many descriptors per process, all opened at start-up and none closed, still count as
    /// "once" (a server's log files); more is a start-up loop that leaks.
    static let startupSetLimit = 8

    /// Opened within this many seconds of the start counts as start-up however short the run.
    static let startupSeconds = 0.1

    /// Kinds an event loop opens once and keeps for its whole life.
    static let eventLoopKinds: Set<String> = ["epoll", "eventfd", "signalfd", "timerfd", "inotify", "fanotify"]

    /// The facts one verdict is drawn from.
    struct Evidence {
        var opened: Int          // at the call site (exact), or the kept count without call-site totals
        var closed: Int
        var kept: Int
        var processes: Int
        var firstKept: Double    // seconds since start, of the kept ones
        var lastKept: Double
        /// When the run ended (the latest end of the group's processes); nil: killed or still running,
        /// then the last kept opening stands for it.
        var runEnd: Double?
        /// When the process first ran out of descriptors (EMFILE/ENFILE snapshot): a leak can grow no
        /// further then, so that moment ends its run.
        var limitHitAt: Double? = nil
        var closeWait: Int
        var kind: String
        /// Where in the run the first and last kept ones were opened, and the first EMFILE/ENFILE, as a
        /// fraction of the run's events (0 start, 1 end): decides early and late when known — event order
        /// does not stretch with the scheduler or with the shim's exit work, as times do.
        var position: (first: Double, last: Double, limit: Double?)? = nil

    }

    struct Verdict: Equatable {
        let pattern: LeakPattern
        let confidence: Confidence
        let reason: String
    }

    static func evidence(of leak: LeakGroup, runEnd: Double?, limitHitAt: Double? = nil) -> Evidence {
        Evidence(opened: max(leak.openedAtSite ?? leak.count, leak.count), closed: leak.closedAtSite ?? 0,
                 kept: leak.count, processes: max(1, leak.pids.count), firstKept: leak.firstSeenSeconds,
                 lastKept: leak.lastSeenSeconds, runEnd: runEnd, limitHitAt: limitHitAt,
                 closeWait: leak.closeWait ?? 0, kind: leak.kind)
    }

    static func assess(_ e: Evidence) -> Verdict {
        let end = max(e.limitHitAt ?? e.runEnd ?? e.lastKept, e.lastKept)
        // Where the kept ones lie in the run, 0…1 of the part that counts (up to the first EMFILE): by
        // event order when known, else by time. A run shorter than 0.4 s counts its first 0.1 s as start-up.
        let first: Double, last: Double
        if let position = e.position {
            let span = max(position.limit ?? 1, position.last, .leastNonzeroMagnitude)
            (first, last) = (position.first / span, position.last / span)
        } else {
            (first, last) = end > 0 ? (e.firstKept / end, e.lastKept / end) : (0, 1)
        }
        let early = first <= 0.25 || e.firstKept <= Self.startupSeconds
        let endsEarly = last <= 0.25 || e.lastKept <= Self.startupSeconds
        // A few descriptors opened at start-up and never closed (nginx's log files, from one loop) are held
        // once too: the code path stopped opening after start-up.
        // Never sockets whose peer hung up: those are connections the program forgot.
        let heldFromStartup = e.closed == 0 && e.closeWait == 0 && e.kept == e.opened && e.kept <= Self.startupSetLimit * e.processes
            && endsEarly
        if e.opened <= e.processes || heldFromStartup {
            if e.closeWait > 0 {
                return Verdict(pattern: .once, confidence: .medium, reason: LeakAssessmentWording.onceClosedByPeer(e))
            }
            if e.processes > 1 {
                return Verdict(pattern: .once, confidence: .low, reason: LeakAssessmentWording.oncePerProcess(e))
            }
            if e.opened > e.processes {
                return Verdict(pattern: .once, confidence: .low, reason: LeakAssessmentWording.setAtStartup(e, end: end))
            }
            if e.runEnd == nil && e.limitHitAt == nil && e.position == nil {
                // Killed or still running: when the run ends is unknown, so early or late cannot be told.
                return Verdict(pattern: .once, confidence: .medium, reason: LeakAssessmentWording.onceEndUnknown(e))
            }
            if early {
                return Verdict(pattern: .once, confidence: .low,
                               reason: LeakAssessmentWording.onceAtStartup(e, eventLoop: eventLoopKinds.contains(e.kind)))
            }
            return Verdict(pattern: .once, confidence: .medium, reason: LeakAssessmentWording.onceLate(e, end: end))
        }
        if e.kept >= 3 && first <= 0.5 && last >= 0.75 {
            return Verdict(pattern: .growing, confidence: .high,
                           reason: e.limitHitAt != nil ? LeakAssessmentWording.grewToLimit(e, end: end)
                                                       : LeakAssessmentWording.growing(e, end: end))
        }
        if e.closeWait > 0 {
            return Verdict(pattern: .repeated, confidence: .high, reason: LeakAssessmentWording.closedByPeer(e))
        }
        if e.kept >= 2 && endsEarly && end > 0 {
            return Verdict(pattern: .repeated, confidence: .low, reason: LeakAssessmentWording.startupBurst(e, end: end))
        }
        return Verdict(pattern: .repeated, confidence: .medium, reason: LeakAssessmentWording.repeated(e, end: end))
    }

    /// Sets the group's pattern, confidence and reason.
    static func apply(to leak: inout LeakGroup, runEnd: Double?, limitHitAt: Double?,
                      position: (first: Double, last: Double, limit: Double?)? = nil) {
        var e = evidence(of: leak, runEnd: runEnd, limitHitAt: limitHitAt)
        e.position = position
        let verdict = assess(e)
        leak.pattern = verdict.pattern
        leak.confidence = verdict.confidence
        leak.reason = verdict.reason
    }

    /// Where event `seq` lies in trace's run: 0 at the start, 1 at its last recorded event.
    static func fraction(_ seq: UInt64, in trace: TraceFile) -> Double {
        trace.header.eventsNext > 1 ? min(1, Double(seq) / Double(trace.header.eventsNext - 1)) : 0
    }

    /// The kept descriptors' place in their runs (first and last opening, first EMFILE/ENFILE), by event order.
    static func position(of members: [(trace: Int, seq: UInt64)], in traces: [TraceFile]) -> (first: Double, last: Double, limit: Double?)? {
        let fractions = members.map { fraction($0.seq, in: traces[$0.trace]) }
        guard let first = fractions.min(), let last = fractions.max() else { return nil }
        let limit = Set(members.map(\.trace)).compactMap { index -> Double? in
            let snapshots = traces[index].evidence?.snapshots.filter { $0.trigger != .threshold } ?? []
            return snapshots.map { fraction($0.eventSeq, in: traces[index]) }.min()
        }.min()
        return (first, last, limit)
    }

    /// When a traced process first failed with EMFILE or ENFILE (its evidence snapshot), in seconds.
    static func limitHit(in trace: TraceFile) -> Double? {
        trace.evidence?.snapshots.filter { $0.trigger != .threshold }.map { LeakAnalysis.seconds($0.timeNs) }.min()
    }

    /// When a traced process's run ended, in seconds since its start: its last recorded activity (the
    /// shim's exit work — socket states, the exit record — can take longer than a short program's run, so
    /// the header's end time would make every leak look early); nil while running or when killed.
    static func runEnd(of trace: TraceFile) -> Double? {
        guard trace.header.processState != .running, trace.header.endMonotonicNs > 0 else { return nil }
        return LeakAnalysis.seconds(min(trace.lastActivityNs ?? trace.header.endMonotonicNs, trace.header.endMonotonicNs))
    }
}
