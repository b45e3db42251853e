// The versioned report model. Its JSON names are a public contract (docs/ARCHITECTURE.md): add fields, never
// rename; a breaking change bumps `schemaVersion`.

/// Everything one `fdhound report` says, independent of the output format.
public struct Report: Codable, Equatable {
    public struct Tool: Codable, Equatable, Sendable {
        public var name: String
        public var version: String
    }

    /// Current JSON schema version.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int = Report.currentSchemaVersion
    public var tool = Tool(name: "fdhound", version: "0.1.0")
    /// The directory or file the report was built from.
    public var tracePath: String
    /// One entry per traced process, ordered by pid.
    public var processes: [ProcessSummary]
    /// Leaking code paths, most severe first (ids L1, L2, …).
    public var leaks: [LeakGroup]
    /// Descriptors open at the end that are not leaks: inherited from the parent, or stdio (0–2).
    public var inherited: [InheritedDescriptor]
    /// Descriptors that crossed an exec without close-on-exec (leaked into another program).
    public var execLeaks: [ExecLeakGroup] = []
    /// Descriptors that crossed an exec because the program passed them on purpose (pass_fds, a dup2 in the
    /// child, /dev/fd/N on the command line): not leaks; ids P1, P2, … (DeliberatePassing).
    public var execPassed: [ExecLeakGroup] = []
    /// Double closes, closes of descriptors that were not open, raw closes of owned descriptors.
    public var misuse: [MisuseGroup] = []
    /// CPython: descriptors the program never closed, released by a finalizer, the garbage collector or
    /// interpreter shutdown (ReclaimAnalysis).
    public var reclaimed: [ReclaimedGroup] = []
    /// CPython: code paths whose live descriptor count kept rising during the run (GrowthAnalysis).
    public var growth: [GrowthGroup] = []
    /// Descriptors opened during a phase, still open at its end and closed only later (PhaseOutlivedAnalysis):
    /// findings of the phase that opened them; ids O1, O2, …
    public var outlivedPhase: [PhaseOutlivedGroup] = []
    /// Code paths whose live count rises, with when the process reaches its limit at their rate
    /// (ExhaustionForecast), fastest first.
    public var timeLeft: [CodePathTimeLeft] = []
    /// Open descriptors over time, per process (the HTML report's chart; OpenCountSeries), by pid.
    public var openOverTime: [OpenCountSeries] = []
    /// Processes that ran out of descriptors (first EMFILE/ENFILE, who held them then): ids E1, E2, ….
    public var exhaustion: [DescriptorExhaustion] = []
    /// What each suppression entry (`--suppressions`) took out of the report; [] without suppressions.
    public var suppressions: [SuppressionUse] = []
    /// Things that limit how complete the report is (dropped records, killed processes, no symbolizer).
    public var warnings: [String]
    /// Whether text and markdown list `inherited` (JSON always does). Not encoded.
    public var showInherited = false
    /// Whether text and markdown fold interpreter internals of Python-aware stacks into one line
    /// (StackFolding; `--native-frames` turns it off; JSON and SARIF keep every frame). Not encoded.
    public var foldInterpreterFrames = true

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, tool, tracePath, processes, leaks, inherited, execLeaks, execPassed, misuse, reclaimed, growth
        case outlivedPhase, timeLeft, openOverTime, exhaustion, suppressions, warnings
    }

    public init(tracePath: String, processes: [ProcessSummary], leaks: [LeakGroup],
                inherited: [InheritedDescriptor], execLeaks: [ExecLeakGroup] = [], misuse: [MisuseGroup] = [],
                reclaimed: [ReclaimedGroup] = [], growth: [GrowthGroup] = [],
                warnings: [String], showInherited: Bool = false) {
        self.tracePath = tracePath
        self.processes = processes
        self.leaks = leaks
        self.inherited = inherited
        self.execLeaks = execLeaks
        self.misuse = misuse
        self.reclaimed = reclaimed
        self.growth = growth
        self.warnings = warnings
        self.showInherited = showInherited
    }

    /// Descriptors left open in all leak groups.
    public var leakedDescriptorCount: Int { leaks.reduce(0) { $0 + $1.count } }
}

/// One traced process.
public struct ProcessSummary: Codable, Equatable, Sendable {
    public var pid: Int
    public var ppid: Int
    @NullEncoded public var executable: String? = nil
    public var argv: [String]
    /// "exited", "running-or-killed", "execed", "detached" (recording stopped by `fdhound detach`; the process
    /// may still run) (or "unknown").
    public var state: String
    /// Recording started in the running process (`fdhound attach`): its inherited descriptors were open
    /// before the attach, and times count from the attach. nil: started under the shim.
    @NullEncoded public var attached: Bool? = nil
    public var traceFile: String
    /// Start time, ISO 8601 UTC.
    @NullEncoded public var startTime: String? = nil
    /// Seconds from start until the process left RUNNING; nil while (or if killed while) running.
    @NullEncoded public var durationSeconds: Double? = nil
    /// Descriptors open at the end: leaked + inherited/stdio.
    public var openAtEnd: Int
    /// Descriptors open at the end that the process opened itself (excluding 0–2).
    public var leaked: Int
    /// RLIMIT_NOFILE at start; nil means unlimited.
    @NullEncoded public var rlimitSoft: Int? = nil
    @NullEncoded public var rlimitHard: Int? = nil
    public var dropped: DroppedCounters
    /// Bus connections opened, left open and at peak; nil when the process never touched D-Bus.
    @NullEncoded public var dbus: DBusSummary? = nil
    /// Python stacks: "CPython 3.12.1: Python frames recorded", or why the stacks are native-only; nil
    /// when no CPython was seen in the process.
    @NullEncoded public var python: String? = nil
    /// The shim's evidence near the descriptor limit; nil in traces without it.
    @NullEncoded public var evidence: ProcessEvidence? = nil
    /// When the process reaches its RLIMIT_NOFILE at its observed rate (or why that cannot be said).
    @NullEncoded public var timeLeft: TimeLeft? = nil
    /// The phases it named (fdhound_phase_begin; each test under the pytest plugin), in begin order, each
    /// once; empty when it named none. Those of a wrapped event log's kept window only.
    public var phases: [String] = []
    /// The trace format version its shim wrote (FDH_FORMAT_VERSION; docs/TRACE-FORMAT.md).
    public var traceFormatVersion: Int = 0
    /// The kernel ("Linux 6.1.0-18-amd64 x86_64") and C library ("glibc 2.36") it ran on, as its shim
    /// recorded them; nil in traces of older writers.
    @NullEncoded public var kernel: String? = nil
    @NullEncoded public var libc: String? = nil
}

/// The writer's "could not store" counters for one process.
public struct DroppedCounters: Codable, Equatable, Sendable {
    public var events: Int
    public var strings: Int
    public var modules: Int
    public var stacks: Int
    public var liveDescriptors: Int
    public var callSites: Int
    /// Events the event log (a ring, format version 2) overwrote with newer ones: the oldest
    /// `eventsOverwritten` events are gone; counts and leaks stay exact (live table, call sites).
    public var eventsOverwritten: Int = 0

    public init(events: Int, strings: Int, modules: Int, stacks: Int, liveDescriptors: Int, callSites: Int,
                eventsOverwritten: Int = 0) {
        self.events = events
        self.strings = strings
        self.modules = modules
        self.stacks = stacks
        self.liveDescriptors = liveDescriptors
        self.callSites = callSites
        self.eventsOverwritten = eventsOverwritten
    }

    enum CodingKeys: String, CodingKey {
        case events, strings, modules, stacks, liveDescriptors, callSites, eventsOverwritten
    }

    /// Older reports have no `eventsOverwritten`: 0.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        events = try c.decode(Int.self, forKey: .events)
        strings = try c.decode(Int.self, forKey: .strings)
        modules = try c.decode(Int.self, forKey: .modules)
        stacks = try c.decode(Int.self, forKey: .stacks)
        liveDescriptors = try c.decode(Int.self, forKey: .liveDescriptors)
        callSites = try c.decode(Int.self, forKey: .callSites)
        eventsOverwritten = try c.decodeIfPresent(Int.self, forKey: .eventsOverwritten) ?? 0
    }
}

/// Descriptors left open by one code path (merged across processes with identical symbolized stacks).
public struct LeakGroup: Codable, Equatable, Sendable {
    /// "L1", "L2", … in rank order.
    public var id: String
    /// Stable across runs and builds (Fingerprint): what baselines, diff and SARIF match findings by.
    public var fingerprint = ""
    public var count: Int
    /// Stable kind name (DescriptorKind.name); the most common one if the group mixes kinds.
    public var kind: String
    /// The function that opened them ("open", "fopen", "socket", …).
    public var api: String
    /// What releases them: "fd", "FILE*", "DIR*", "dbus".
    public var owner: String
    /// The first frame outside libc, the loader, libunwind and the shim: the code to fix.
    public var culprit: Frame
    /// When the culprit is inside a library: the application's own frame that called into it.
    @NullEncoded public var calledFrom: Frame? = nil
    /// The opening stack, innermost first, at most ReportOptions.maxFrames frames.
    public var stack: [Frame]
    /// Up to 5 distinct descriptions (paths, endpoints) with their descriptor numbers.
    public var samples: [String]
    public var pids: [Int]
    /// How many of them each process left open (the per-process view of a merged group).
    public var perProcess: [ProcessCount] = []
    /// When the first and last of them were opened, in seconds since their process started.
    public var firstSeenSeconds: Double
    public var lastSeenSeconds: Double
    /// Exact totals from the call-site table: descriptors opened and closed again at this code path.
    @NullEncoded public var openedAtSite: Int? = nil
    @NullEncoded public var closedAtSite: Int? = nil
    /// Sockets of the group in CLOSE_WAIT at exit: the peer hung up and this process never closed them.
    @NullEncoded public var closeWait: Int? = nil
    /// The phase (fdhound_phase_begin; the pytest node id under the plugin) they were opened in; null
    /// when they were opened outside any phase. A group holds one phase's descriptors.
    @NullEncoded public var phase: String? = nil
    /// Always-on traces only (null otherwise): how many stacks were captured. `openedAtSite` and
    /// `closedAtSite` then count the whole code path (all its stacks, sampled or not).
    @NullEncoded public var stackSampling: StackSampling? = nil
    /// growing, repeated or once (LeakAssessment); null only in reports written before it existed.
    @NullEncoded public var pattern: LeakPattern? = nil
    /// high, medium or low: how sure the report is that this is a bug to fix.
    @NullEncoded public var confidence: Confidence? = nil
    /// One sentence: the evidence behind the pattern and the confidence.
    @NullEncoded public var reason: String? = nil
}

extension LeakGroup {
    public struct ProcessCount: Codable, Equatable, Sendable {
        public var pid: Int
        public var count: Int

        /// One count per pid of `pids` (one entry per descriptor), ordered by pid.
        static func tally(_ pids: [Int]) -> [ProcessCount] {
            Dictionary(grouping: pids, by: { $0 }).map { ProcessCount(pid: $0.key, count: $0.value.count) }
                .sorted { $0.pid < $1.pid }
        }
    }
}

/// A descriptor open at the end that is not a leak.
public struct InheritedDescriptor: Codable, Equatable, Sendable {
    public var pid: Int
    public var fd: Int
    public var kind: String
    public var owner: String
    /// Path, endpoints or what /proc/self/fd said; nil if unknown.
    @NullEncoded public var description: String? = nil
    /// "inherited" (open when the shim started), "open before attach" (open when `fdhound attach` started
    /// recording) or "stdio" (0–2 reopened by the process).
    public var reason: String
    /// The opening stack when there is one (stdio reopened by the process; or, for a descriptor inherited
    /// from a traced parent or from the image an exec replaced, the stack that opened it there), else empty.
    public var stack: [Frame]
    /// The process that opened it, when another traced process did (parent, or the pre-exec image).
    @NullEncoded public var openedByPid: Int? = nil
}

/// Descriptors that crossed an exec without close-on-exec, grouped by opening code path and program.
public struct ExecLeakGroup: Codable, Equatable, Sendable {
    /// "X1", "X2", … most descriptors first.
    public var id: String
    /// Stable across runs and builds (Fingerprint): what baselines, diff and SARIF match findings by.
    public var fingerprint = ""
    public var count: Int
    public var kind: String
    public var api: String
    /// The program they leaked into (its executable path).
    public var intoProgram: String
    public var intoPids: [Int]
    /// The processes that held them at the exec (or spawned the program).
    public var fromPids: [Int]
    /// Where they were opened; the fix is usually O_CLOEXEC / SOCK_CLOEXEC there.
    public var culprit: Frame
    public var stack: [Frame]
    public var samples: [String]
    /// How sure the report is that this is a bug to fix, and the one-sentence evidence (FindingAssessment).
    @NullEncoded public var confidence: Confidence? = nil
    @NullEncoded public var reason: String? = nil
    /// In `execPassed` only: why the descriptor was passed on purpose (null in `execLeaks`).
    @NullEncoded public var passedBecause: String? = nil
}

/// One kind of descriptor misuse at one code path, with the stacks that explain it.
public struct MisuseGroup: Codable, Equatable, Sendable {
    /// A stack and its culprit frame.
    public struct Site: Codable, Equatable, Sendable {
        public var culprit: Frame
        public var stack: [Frame]
    }

    /// "M1", "M2", … most frequent first.
    public var id: String
    /// Stable across runs and builds (Fingerprint): what baselines, diff and SARIF match findings by.
    public var fingerprint = ""
    /// "double-close", "close-not-open" or "owner-violation".
    public var kind: String
    public var count: Int
    /// The descriptor number of the first occurrence, and what it was.
    public var fd: Int
    @NullEncoded public var description: String? = nil
    /// For owner violations: who owned it ("FILE*", "DIR*", "dbus").
    @NullEncoded public var owner: String? = nil
    public var pids: [Int]
    /// How sure the report is that this is a bug to fix, and the one-sentence evidence (FindingAssessment).
    @NullEncoded public var confidence: Confidence? = nil
    @NullEncoded public var reason: String? = nil
    /// The offending close.
    public var close: Site
    /// For a double close: the first, successful close.
    @NullEncoded public var earlierClose: Site? = nil
    /// The call that opened it (for an owner violation: the fopen/opendir).
    @NullEncoded public var open: Site? = nil
}

extension LeakGroup {
    /// Stack sampling of an always-on trace (`fdhound run --always-on`): every descriptor is counted, but
    /// only some openings captured a full stack; the others were attributed to this group by their code path
    /// (the caller of the opening call and the innermost Python frame).
    public struct StackSampling: Codable, Equatable, Sendable {
        /// Descriptors of this group whose own opening stack was captured.
        public var leakedWithStack: Int
        /// Descriptors of this group (= `count`).
        public var leaked: Int
        /// Openings at this code path that captured a full stack, and all of them.
        public var openedWithStack: Int
        public var opened: Int
        /// Different full stacks captured at this code path (a wrapper called from several places has
        /// several): the descriptors without their own stack may have come through any of them; the group
        /// shows the one holding the most descriptors.
        public var fullStacks: Int

        public init(leakedWithStack: Int, leaked: Int, openedWithStack: Int, opened: Int, fullStacks: Int) {
            self.leakedWithStack = leakedWithStack
            self.leaked = leaked
            self.openedWithStack = openedWithStack
            self.opened = opened
            self.fullStacks = fullStacks
        }
    }
}
