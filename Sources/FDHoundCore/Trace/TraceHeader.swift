// The validated facts of a trace header (struct fdh_header), decoded from the C struct into Swift values.
import CFDHoundTrace

/// What the header says about the traced process and the writer's counters. String fields are resolved
/// by TraceFile (they live in the strings section), so this type holds only numbers.
public struct TraceHeader: Equatable, Sendable {
    public var version: UInt32
    public var headerSize: UInt32
    public var fileSize: UInt64
    public var pid: Int32
    public var ppid: Int32
    public var exeString: UInt32
    public var cmdlineString: UInt32
    public var startRealtimeNs: UInt64
    public var startMonotonicNs: UInt64
    /// Relative to start; 0 while the process is RUNNING.
    public var endMonotonicNs: UInt64
    /// `UInt64.max` means unlimited.
    public var rlimitSoft: UInt64
    public var rlimitHard: UInt64
    /// Raw `enum fdh_process_state`; see `ProcessState`.
    public var state: UInt32
    public var stackDepth: UInt32
    public var flags: HeaderFlags
    public var shimModule: UInt32
    public var eventsNext: UInt64
    public var eventsDropped: UInt64
    public var stringsUsed: UInt64
    public var stringsDropped: UInt64
    public var modulesNext: UInt64
    public var modulesDropped: UInt64
    public var stacksDropped: UInt64
    public var liveDropped: UInt64
    public var sitesDropped: UInt64
    /// D-Bus connections not tracked because the connection table was full.
    public var dbusDropped: UInt64
    /// Raw `enum fdh_python_status`: whether Python frames were recorded, or why not (see `PythonStatus`).
    public var pythonStatus: UInt32
    /// PY_VERSION_HEX of the CPython found in the process; 0 if none.
    public var pythonVersion: UInt32
    /// Captures recorded native-only although Python was active (finalizing interpreter and the like).
    public var pythonSkipped: UInt64
    /// Code objects that found no room in the code table (their frames read "unknown Python code").
    public var pyCodesDropped: UInt64
    /// Events recorded without a stack: a signal handler interrupted its thread inside the recorder.
    public var nestedEvents: UInt64
    /// The shim's parked pipe (never the program's descriptors): -1 none, 0 unknown (older traces).
    public var tracerFDRead: Int32
    public var tracerFDWrite: Int32

    init(_ h: fdh_header) {
        version = h.version
        headerSize = h.header_size
        fileSize = h.file_size
        pid = h.pid
        ppid = h.ppid
        exeString = h.exe_string
        cmdlineString = h.cmdline_string
        startRealtimeNs = h.start_realtime_ns
        startMonotonicNs = h.start_monotonic_ns
        endMonotonicNs = h.end_monotonic_ns
        rlimitSoft = h.rlimit_nofile_soft
        rlimitHard = h.rlimit_nofile_hard
        state = h.state
        stackDepth = h.stack_depth
        flags = HeaderFlags(rawValue: h.flags)
        shimModule = h.shim_module
        eventsNext = h.events_next
        eventsDropped = h.events_dropped
        stringsUsed = h.strings_used
        stringsDropped = h.strings_dropped
        modulesNext = h.modules_next
        modulesDropped = h.modules_dropped
        stacksDropped = h.stacks_dropped
        liveDropped = h.live_dropped
        sitesDropped = h.sites_dropped
        dbusDropped = h.dbus_dropped
        pythonStatus = h.python_status
        pythonVersion = h.python_version
        pythonSkipped = h.python_skipped
        pyCodesDropped = h.py_codes_dropped
        nestedEvents = h.nested_events
        tracerFDRead = h.tracer_fd_read
        tracerFDWrite = h.tracer_fd_write
    }

    /// The writer's state word decoded; nil for a value this reader does not know.
    public var processState: ProcessState? { ProcessState(rawValue: state) }
}
