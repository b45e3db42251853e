// The one-sentence reasons behind a leak's pattern and confidence (LeakAssessment decides; this words it).
// Phrases only: formatters lay the sentence out, JSON carries it as `reason`.

enum LeakAssessmentWording {
    private static func s(_ value: Double) -> String { ReportWording.seconds(value) }

    static func growing(_ e: LeakAssessment.Evidence, end: Double) -> String {
        "opened \(ReportWording.plural(e.opened, "time")) here, \(e.kept) never closed, and still being kept near the end "
            + "(the last at \(s(e.lastKept)) of a \(s(end)) run): the count grew until exit"
    }

    static func grewToLimit(_ e: LeakAssessment.Evidence, end: Double) -> String {
        "opened \(ReportWording.plural(e.opened, "time")) here, \(e.kept) never closed, and kept until the process "
            + "ran out of descriptors (first EMFILE/ENFILE at \(s(end))): the count grew until the limit"
    }

    static func closedByPeer(_ e: LeakAssessment.Evidence) -> String {
        "opened \(ReportWording.plural(e.opened, "time")) here, \(e.kept) never closed, \(e.closeWait) of them in CLOSE_WAIT: "
            + "the peer hung up and this process never closed them"
    }

    static func startupBurst(_ e: LeakAssessment.Evidence, end: Double) -> String {
        "opened \(ReportWording.plural(e.opened, "time")) here; the \(e.kept) kept were all opened by \(s(e.lastKept)) "
            + "of a \(s(end)) run and held: likely a pool or cache kept by design"
    }

    static func repeated(_ e: LeakAssessment.Evidence, end: Double) -> String {
        let closed = e.closed == 0 ? "none closed" : "\(e.closed) closed"
        let when = e.firstKept == e.lastKept ? "at \(s(e.lastKept))" : "between \(s(e.firstKept)) and \(s(e.lastKept))"
        return "opened \(ReportWording.plural(e.opened, "time")) here, \(closed), \(e.kept) still open at exit, "
            + "opened \(when) of a \(s(end)) run: not a steady rise to the end"
    }

    static func onceAtStartup(_ e: LeakAssessment.Evidence, eventLoop: Bool) -> String {
        "opened once at start-up (\(s(e.firstKept))) and held to the end: likely by design"
            + (eventLoop ? " (an event loop keeps its \(e.kind) for its whole life)" : "")
    }

    static func setAtStartup(_ e: LeakAssessment.Evidence, end: Double) -> String {
        "opened \(e.kept) here at start-up (by \(s(e.lastKept)) of a \(s(end)) run), never again, and held them to the end: likely by design"
    }

    static func oncePerProcess(_ e: LeakAssessment.Evidence) -> String {
        "opened once in each of \(e.processes) processes and held to the end: likely by design"
    }

    static func onceLate(_ e: LeakAssessment.Evidence, end: Double) -> String {
        "opened once, at \(s(e.firstKept)) of a \(s(end)) run, and never closed"
    }

    static func onceEndUnknown(_ e: LeakAssessment.Evidence) -> String {
        "opened once, at \(s(e.firstKept)), and still open when the trace was read (the process was killed or is still running)"
    }

    static func onceClosedByPeer(_ e: LeakAssessment.Evidence) -> String {
        "opened once and never closed, though the peer hung up (CLOSE_WAIT at exit)"
    }

    /// "growing · high: …" — the pattern, confidence and reason on one line.
    static func line(_ leak: LeakGroup) -> String? {
        guard let pattern = leak.pattern, let confidence = leak.confidence else { return nil }
        return "\(pattern.rawValue), confidence \(confidence.rawValue)" + (leak.reason.map { ": \($0)" } ?? "")
    }

    /// Heading of the compact list of "once" findings after the others.
    static func onceHeading(_ count: Int) -> String {
        "Opened once and held to the end (\(count)): often by design; `check` ignores these unless --strict"
    }
}
