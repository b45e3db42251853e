// One trace file, mapped read-only and validated before anything is handed out: header, section
// directory, header strings, modules, live descriptors and call sites are decoded at once (their size
// follows what was recorded: published slots only) and their pages given back. Stacks and strings are read
// from the mapping on demand, each access re-checking its bounds; the event log is streamed, never kept.
import CFDHoundTrace
import Foundation

/// A validated `fdhound.<pid>.trace`.
///
/// The file is mapped, not read: a trace is sparse (a 16 M-event log that recorded ten events is 1 GB on
/// paper and a few pages in fact). A file that shrinks while mapped cannot crash the reader: see
/// TraceBytes (the size is checked after mapping; a page that can no longer be read reads as zeros and is
/// counted in a warning).
public struct TraceFile {
    public let path: String
    public let header: TraceHeader
    /// `readlink /proc/self/exe` of the traced process, if recorded.
    public let executable: String?
    /// argv (the cmdline string split at NULs); empty if not recorded.
    public let arguments: [String]
    public let modules: [TraceModule]
    /// Descriptors open (or inherited) at the end of the trace, ordered by descriptor number.
    public let liveDescriptors: [LiveDescriptor]
    /// Exact counters per opening stack id.
    public let callSites: [UInt32: CallSite]
    /// libdbus connections the process opened (section 10), in opening order; empty without the section.
    public let dbusConnections: [DBusConnectionRecord]
    /// CPython code objects by code id (section 8); empty without the section.
    public let pythonCodes: [UInt32: PythonCode]
    /// Capacities of the tables whose overflow the header counts: events (slots), strings (bytes), live
    /// descriptors (slots). They tell a full table from a full disk when records were dropped.
    public let capacities: (events: Int, stringBytes: Int, liveDescriptors: Int)
    /// The shim's evidence near the descriptor limit (section 11); nil in traces without it.
    public let evidence: TraceEvidence?
    /// The kernel ("Linux 6.1.0-18-amd64 x86_64") and C library ("glibc 2.36") the process ran on
    /// (section 12); nil in traces without it or when the shim could not tell.
    public let kernel: String?
    public let libc: String?
    /// Things the reader tolerated but a user should know (skipped slots and the like).
    public let warnings: [String]

    let storage: TraceBytes
    private let strings: StringArena
    private let moduleTable: ModuleTable
    private let stackNodes: StackNodeTable
    private let eventLog: EventLog
    /// Always-on traces: partial stacks and their code paths (nil in full mode).
    private(set) var stackSampling: StackSampling? = nil

    /// Maps and validates the file at `path`.
    public init(path: String) throws {
        let storage: TraceBytes
        do {
            storage = try RegularFile.map(path)
        } catch {
            throw TraceError(path: path, problem: error.message)
        }
        try self.init(storage: storage, path: path)
    }

    /// Validates a trace held in memory (tests, the fuzzer); `path` is only used in messages.
    public init(bytes: [UInt8], path: String) throws {
        try self.init(storage: TraceBytes(copying: bytes), path: path)
    }

    init(storage: TraceBytes, path: String) throws {
        self.path = path
        let reader = ByteReader(storage: storage)
        let raw: fdh_header
        let sections: SectionDirectory
        do throws(TraceProblem) {
            raw = try TraceHeaderReader.read(reader)
            sections = try SectionDirectory(header: raw)
        } catch {
            throw TraceError(path: path, problem: error.message)
        }
        header = TraceHeader(raw)
        capacities = (sections.events.capacity, sections.strings.capacity, sections.liveFDs.capacity)
        strings = StringArena(reader: reader, bounds: sections.strings, stringsUsed: raw.strings_used)
        // The header's own string ids must be sound: a bad one means the header itself is corrupt.
        for (name, id) in [("executable", raw.exe_string), ("command line", raw.cmdline_string)] {
            if let problem = strings.invalidity(of: id) {
                throw TraceError(path: path, problem: "\(name): \(problem)")
            }
        }
        executable = strings.string(raw.exe_string)
        arguments = strings.bytes(raw.cmdline_string).map { bytes in
            bytes.split(separator: 0, omittingEmptySubsequences: false).map { RawBytesText.decode($0) }
        } ?? []

        moduleTable = ModuleTable(reader: reader, bounds: sections.modules, modulesNext: raw.modules_next,
                                  strings: strings)
        modules = moduleTable.modules
        // Stacks with Python frames may exceed the native depth setting, up to FDH_MAX_STACK_DEPTH.
        let pythonFrames = raw.flags & FDH_HEADER_FLAG_PYTHON_FRAMES.rawValue != 0
        stackNodes = StackNodeTable(reader: reader, bounds: sections.stackNodes,
                                    configuredDepth: pythonFrames ? 0 : raw.stack_depth)
        eventLog = EventLog(reader: reader, bounds: sections.events, eventsNext: raw.events_next,
                            ring: raw.version >= 2)
        let live = LiveDescriptorTable(reader: reader, bounds: sections.liveFDs)
        liveDescriptors = live.descriptors
        let sites = CallSiteTable(reader: reader, bounds: sections.callSites, tables: sections.callSiteTables)
        callSites = sites.sites
        let dbus = DBusConnectionTable(reader: reader, bounds: sections.dbusConnections, strings: strings,
                                       eventsNext: raw.events_next)
        dbusConnections = dbus.connections
        let codes = PythonCodeTable(reader: reader, bounds: sections.pyCodes, strings: strings)
        pythonCodes = codes.codes
        let evidenceRead = EvidenceSection.read(reader: reader, bounds: sections.evidence,
                                                shardedLive: ShardCounters.live(reader: reader, bounds: sections.shards))
        evidence = evidenceRead.evidence
        let environment = sections.environment.flatMap { reader.load(fdh_environment.self, at: $0.offset) }
        kernel = environment.flatMap { [strings] in strings.string($0.kernel_string) }
        libc = environment.flatMap { [strings] in strings.string($0.libc_string) }

        // Slots a reader skipped, each with what it means; only the non-zero ones become warnings.
        let skipped: [(Int, String)] = [
            (moduleTable.corruptSlots, "module slots with an empty text range were skipped"),
            (live.inFlight, "descriptor slots were being updated when the trace was read and were skipped"),
            (live.corrupt, "descriptor slots with an unknown state were skipped"),
            (sites.duplicates, "duplicate call-site slots were ignored"),
            (dbus.inFlight, "D-Bus connection slots were being written when the trace was read and were skipped"),
            (dbus.corrupt, "D-Bus connection slots with an unknown state or impossible sequence numbers were skipped"),
            (codes.corrupt, "Python code slots with an unknown state were skipped"),
            (evidenceRead.corrupt, "evidence snapshots with an unknown trigger were skipped"),
        ]
        self.warnings = skipped.filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        self.storage = storage
        // The decoded tables are values now: their pages (mostly holes) are not needed any more.
        for bounds in [sections.modules, sections.liveFDs, sections.callSites, sections.dbusConnections, sections.pyCodes] {
            if let bounds { storage.release(offset: bounds.offset, count: bounds.capacity * bounds.stride) }
        }
        if header.flags.contains(.alwaysOn) { stackSampling = StackSampling(trace: self) }
    }

    /// String `id` of this trace; nil for 0, out-of-range or unpublished ids.
    public func string(_ id: UInt32) -> String? { strings.string(id) }

    /// The frames of stack `id`, innermost first (empty for 0), and why the walk stopped early if it did.
    public func stack(_ id: UInt32) -> StackWalk { stackNodes.walk(id) }

    /// The module that held `address` when event `seq` happened.
    public func module(containing address: UInt64, atSeq seq: UInt64) -> TraceModule? {
        moduleTable.module(containing: address, atSeq: seq)
    }

    /// Hands every usable event of the kept window to `body`, oldest first, in one pass over the mapping;
    /// nothing is kept. Analysis passes use this: their memory follows what they keep, not the log.
    /// In an always-on trace, an event's partial opening stack reads as its code path's full stack, so that
    /// passes grouping events by stack (forecast, growth) see one code path (StackSampling).
    @discardableResult
    public func forEachEvent(_ body: (TraceEvent) throws -> Void) rethrows -> EventLogSummary {
        guard let sampling = stackSampling, sampling.substitutes else { return try eventLog.forEach(body) }
        return try eventLog.forEach { event in try body(sampling.shown(event)) }
    }

    /// The newest usable event below seq `limit` (nil: all) that `matches`, read from the end of the log
    /// backwards (only as far as needed).
    func lastEvent(below limit: UInt64? = nil, where matches: (TraceEvent) -> Bool) -> TraceEvent? {
        guard let sampling = stackSampling, sampling.substitutes else { return eventLog.lastEvent(below: limit, where: matches) }
        return eventLog.lastEvent(below: limit, where: { matches(sampling.shown($0)) }).map(sampling.shown)
    }

    /// Every usable event, collected (memory proportional to the log: for tests and small traces).
    public func events() -> EventScan {
        var scan = EventScan()
        scan.summary = forEachEvent { scan.events.append($0) }
        return scan
    }

    /// Pages of the file that could not be read so far and read as empty (see TraceBytes): the file shrank
    /// while it was read, or a hole could not be backed. Grows as passes read more; summarized last.
    public var unreadablePages: Int { storage.faults }

    /// Events the ring overwrote (format version 2; 0 for version 1, whose full log dropped new events).
    public var eventsOverwritten: UInt64 { eventLog.windowStart }

    /// Whether the event log is a ring that keeps the newest events (format version 2 and later).
    public var eventLogIsRing: Bool { eventLog.ring }

    /// When the program last did something the log recorded (the newest event other than the shim's EXIT,
    /// whose time comes after the shim's own exit work), in ns since start; nil for an empty log.
    public var lastActivityNs: UInt64? {
        lastEvent { $0.type != .exit }?.timeNs
    }
}
