// What a wrapped event log means for a report. The log is a ring (format version 2): once full, each new
// event overwrites the oldest, so the report says how many events are gone and where the kept window
// starts; leak counts, per-code-path totals and what is open come from the live table and the call-site
// counters, which never lose anything.

enum EventWindowWording {
    /// One sentence without the process name, or nil when nothing was overwritten.
    static func sentence(for trace: TraceFile, scan: EventLogSummary) -> String? {
        guard scan.overwritten > 0 else { return nil }
        let last = trace.header.eventsNext - 1
        var text = "the event log wrapped: the oldest \(scan.overwritten) events were overwritten; the kept window "
            + "holds events \(scan.windowStart)–\(last)"
        if let first = scan.first {
            text += ", from \(LeakAnalysis.seconds(first.timeNs).formatted) s after start"
        }
        return text + " (leak counts, code-path totals and open descriptors stay exact; event history before it is gone)"
    }
}

private extension Double {
    /// Three decimals, no exponent.
    var formatted: String {
        let milliseconds = (self * 1000).rounded()
        return String(Int(milliseconds) / 1000) + "." + String(String(Int(milliseconds) % 1000 + 1000).dropFirst())
    }
}
