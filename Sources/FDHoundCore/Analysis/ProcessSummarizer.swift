// Per-process facts for the report, and the warnings that say how far a process's trace can be trusted
// (killed before exit, full tables, corrupt slots, opens refused with EMFILE).
import CFDHoundTrace
import Foundation

enum ProcessSummarizer {
    static func summary(of trace: TraceFile) -> ProcessSummary {
        let header = trace.header
        let leaked = trace.liveDescriptors.filter { $0.state == .open && $0.fd > 2 }.count
        let ended = header.processState != .running && header.endMonotonicNs > 0
        var summary = ProcessSummary(
            pid: Int(header.pid), ppid: Int(header.ppid),
            executable: trace.executable, argv: trace.arguments,
            state: header.flags.contains(.detached) ? "detached" : ProcessState.name(header.state),
            traceFile: trace.path,
            startTime: header.startRealtimeNs == 0 ? nil : isoTime(header.startRealtimeNs),
            durationSeconds: ended ? LeakAnalysis.seconds(header.endMonotonicNs) : nil,
            openAtEnd: trace.liveDescriptors.count,
            leaked: leaked,
            rlimitSoft: limit(header.rlimitSoft), rlimitHard: limit(header.rlimitHard),
            dropped: DroppedCounters(
                events: Int(clamping: header.eventsDropped), strings: Int(clamping: header.stringsDropped),
                modules: Int(clamping: header.modulesDropped), stacks: Int(clamping: header.stacksDropped),
                liveDescriptors: Int(clamping: header.liveDropped), callSites: Int(clamping: header.sitesDropped),
                eventsOverwritten: Int(clamping: trace.eventsOverwritten)))
        summary.python = PythonStatus(header: header)?.sentence
        summary.traceFormatVersion = Int(header.version)
        summary.kernel = trace.kernel
        summary.libc = trace.libc
        if header.flags.contains(.attached) { summary.attached = true }
        return summary
    }

    /// What the warnings need from a trace's event log: the read's summary and the opens refused with
    /// EMFILE/ENFILE. Fed every event in sequence order (by SharedEventRead, or by `warnings` itself).
    struct LogCounts {
        var scan = EventLogSummary()
        var exhausted = 0

        mutating func take(_ event: TraceEvent) {
            if event.type == .failed && (event.err == EMFILE || event.err == ENFILE) { exhausted += 1 }
        }
    }

    /// `log`: what SharedEventRead counted in the trace's event log; nil reads the log here. Call it after
    /// every other pass: it says how many pages of the file could not be read so far.
    static func warnings(for trace: TraceFile, log: LogCounts? = nil) -> [String] {
        let header = trace.header
        let name = "process \(header.pid)" + (trace.executable.map { " (\($0))" } ?? "")
        var warnings = [String]()
        if header.processState == .running {
            warnings.append("\(name) did not exit normally (killed or still running); descriptors are as of its last traced call")
        } else if header.processState == nil {
            warnings.append("\(name) has an unknown state \(header.state)")
        }
        if header.flags.contains(.diskFull) {
            warnings.append("\(name): the disk filled up while it ran (the file system holding its trace): records "
                + "after that were dropped (counted below), so leaks opened later may be missing")
        }
        warnings += DroppedRecordsWording.sentences(for: trace).map { "\(name): \($0)" }
        warnings += trace.warnings.map { "\(name): \($0)" }
        if let python = PythonStatus(header: header), !python.framesRecorded {
            warnings.append("\(name): stacks are native-only: \(python.sentence)")
        }
        if header.nestedEvents > 0 {
            warnings.append("\(name): \(header.nestedEvents) calls made by signal handlers that interrupted the tracer "
                + "were recorded without a stack")
        }
        if header.flags.contains(.seccomp) {
            warnings.append("\(name): recording stopped when the program installed a seccomp filter (which could refuse "
                + "the tracer's own system calls): descriptors it opened or closed after that are not recorded, and "
                + "\"open at end\" is what was open then")
        }
        if header.flags.contains(.unwinderYielded) {
            warnings.append("\(name): the program needed the two descriptor numbers the tracer had parked at the top of "
                + "RLIMIT_NOFILE; they were given back and later stacks were captured with glibc's backtrace() (slower)")
        }
        if header.pyCodesDropped > 0 {
            warnings.append("\(name): \(header.pyCodesDropped) Python code objects not stored (code table full; FDHOUND_PY_CODES)")
        }

        var counts: LogCounts
        if let log {
            counts = log
        } else {
            counts = LogCounts()
            counts.scan = trace.forEachEvent { counts.take($0) }
        }
        let scan = counts.scan, exhausted = counts.exhausted
        if scan.corrupt > 0 {
            warnings.append("\(name): \(scan.corrupt) events with a wrong sequence number were skipped")
        }
        // After every pass (the report summarizes last): how much of the file could not be read at all.
        if trace.unreadablePages > 0 {
            warnings.append("\(name): \(trace.unreadablePages) pages of the trace could not be read and read as empty "
                + "(the file shrank while it was read, or a hole on a full file system)")
        }
        if let window = EventWindowWording.sentence(for: trace, scan: scan) {
            warnings.append("\(name): \(window)")
        }
        // EMFILE/ENFILE failures are the symptom users notice; say so next to the cause.
        if exhausted > 0 {
            let limitText = limit(header.rlimitSoft).map { "soft limit \($0)" } ?? "no limit"
            let within = scan.overwritten > 0 ? " in the kept window of the event log" : ""
            warnings.append("\(name): \(exhausted) calls failed with \"too many open files\"\(within) (RLIMIT_NOFILE \(limitText))")
        }
        return warnings
    }

    /// RLIMIT values: UINT64_MAX (RLIM_INFINITY) is nil = unlimited.
    private static func limit(_ value: UInt64) -> Int? {
        value == UInt64.max ? nil : Int(clamping: value)
    }

    private static func isoTime(_ ns: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ns / 1_000_000) / 1000))
    }
}
