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
    /// Things that limit how complete the report is (dropped records, killed processes, no symbolizer).
    public var warnings: [String]
    /// Whether text and markdown list `inherited` (JSON always does). Not encoded.
    public var showInherited = false

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, tool, tracePath, processes, leaks, inherited, warnings
    }

    public init(tracePath: String, processes: [ProcessSummary], leaks: [LeakGroup],
                inherited: [InheritedDescriptor], warnings: [String], showInherited: Bool = false) {
        self.tracePath = tracePath
        self.processes = processes
        self.leaks = leaks
        self.inherited = inherited
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
    public var executable: String?
    public var argv: [String]
    /// "exited", "running-or-killed", "execed" (or "unknown").
    public var state: String
    public var traceFile: String
    /// Start time, ISO 8601 UTC.
    public var startTime: String?
    /// Seconds from start until the process left RUNNING; nil while (or if killed while) running.
    public var durationSeconds: Double?
    /// Descriptors open at the end: leaked + inherited/stdio.
    public var openAtEnd: Int
    /// Descriptors open at the end that the process opened itself (excluding 0–2).
    public var leaked: Int
    /// RLIMIT_NOFILE at start; nil means unlimited.
    public var rlimitSoft: Int?
    public var rlimitHard: Int?
    public var dropped: DroppedCounters
}

/// The writer's "could not store" counters for one process.
public struct DroppedCounters: Codable, Equatable, Sendable {
    public var events: Int
    public var strings: Int
    public var modules: Int
    public var stacks: Int
    public var liveDescriptors: Int
    public var callSites: Int
}

/// Descriptors left open by one code path (merged across processes with identical symbolized stacks).
public struct LeakGroup: Codable, Equatable, Sendable {
    /// "L1", "L2", … in rank order.
    public var id: String
    public var count: Int
    /// Stable kind name (DescriptorKind.name); the most common one if the group mixes kinds.
    public var kind: String
    /// The function that opened them ("open", "fopen", "socket", …).
    public var api: String
    /// What releases them: "fd", "FILE*", "DIR*", "dbus".
    public var owner: String
    /// The first frame outside libc, the loader, libunwind and the shim: the code to fix.
    public var culprit: Frame
    /// The opening stack, innermost first, at most ReportOptions.maxFrames frames.
    public var stack: [Frame]
    /// Up to 5 distinct descriptions (paths, endpoints) with their descriptor numbers.
    public var samples: [String]
    public var pids: [Int]
    /// When the first and last of them were opened, in seconds since their process started.
    public var firstSeenSeconds: Double
    public var lastSeenSeconds: Double
    /// Exact totals from the call-site table: descriptors opened and closed again at this code path.
    public var openedAtSite: Int?
    public var closedAtSite: Int?
}

/// A descriptor open at the end that is not a leak.
public struct InheritedDescriptor: Codable, Equatable, Sendable {
    public var pid: Int
    public var fd: Int
    public var kind: String
    public var owner: String
    /// Path, endpoints or what /proc/self/fd said; nil if unknown.
    public var description: String?
    /// "inherited" (open when the shim started) or "stdio" (0–2 reopened by the process).
    public var reason: String
    /// The opening stack when there is one (stdio reopened by the process), else empty.
    public var stack: [Frame]
}
