// How every format words a process's D-Bus summary: connections opened and left open, and the peak against
// dbus-daemon's per-user limit ("peak 40 of dbus-daemon's default 256 connections per user").

extension ReportWording {
    /// "D-Bus: 45 connections opened, 40 left open; peak 40 of dbus-daemon's default 256 connections per user".
    static func dbusSummary(_ summary: DBusSummary) -> String {
        var text = "D-Bus: \(plural(summary.connectionsOpened, "connection")) opened, "
            + "\(summary.connectionsLeftOpen) left open; \(dbusPeak(summary))"
        if summary.failedConnections > 0 { text += "; \(plural(summary.failedConnections, "connection attempt")) failed" }
        if !summary.exact { text += " (counts are lower bounds: the event log or the connection table was full)" }
        return text
    }

    /// "peak 40 of dbus-daemon's default 256 connections per user".
    static func dbusPeak(_ summary: DBusSummary) -> String {
        "peak \(summary.peakSimultaneous) of dbus-daemon's default \(summary.perUserLimit) connections per user"
    }
}

extension MarkdownFormatter {
    /// One bullet per process that used D-Bus, under a heading; nothing when none did.
    static func dbusLines(_ report: Report) -> [String] {
        let processes = report.processes.filter { $0.dbus != nil }
        guard !processes.isEmpty else { return [] }
        var lines = ["### D-Bus connections", ""]
        for process in processes {
            guard let dbus = process.dbus else { continue }
            lines.append("- pid \(process.pid): \(escape(ReportWording.dbusSummary(dbus)))")
        }
        return lines + [""]
    }
}
