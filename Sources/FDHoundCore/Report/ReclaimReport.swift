// Report model for the leaks Python hides (JSON contract, additive fields of schema 1): descriptors the
// program never closed that a finalizer, the garbage collector or interpreter shutdown released
// (`reclaimed`), and code paths whose live count kept rising during the run (`growth`).

/// Descriptors of one opening code path released by the interpreter instead of by the program.
public struct ReclaimedGroup: Codable, Equatable, Sendable {
    /// "R1", "R2", … most descriptors first.
    public var id: String
    /// Stable across runs and builds (Fingerprint): what baselines, diff and SARIF match findings by.
    public var fingerprint = ""
    /// "finalizer" (refcounting dropped the last reference; ResourceWarning territory), "garbage-collector"
    /// (collected in a reference cycle), "interpreter-shutdown" (still referenced when the program ended).
    public var how: ReclaimKind
    public var count: Int
    public var kind: String
    public var api: String
    /// Where they were opened: the code that should close them (`with`, or an explicit close()).
    public var culprit: Frame
    @NullEncoded public var calledFrom: Frame? = nil
    /// The opening stack, innermost first.
    public var stack: [Frame]
    /// The program's Python frame running when the first of them was released: where the last reference
    /// was dropped, or where gc.collect() was called. Nil for shutdown, and when no Python frame ran.
    @NullEncoded public var releasedIn: Frame? = nil
    public var samples: [String]
    public var pids: [Int]
    public var perProcess: [LeakGroup.ProcessCount] = []
    /// Seconds since their process started: when the first and last of them were opened, and released.
    public var firstOpenedSeconds: Double
    public var lastOpenedSeconds: Double
    public var firstReleasedSeconds: Double
    public var lastReleasedSeconds: Double
    /// How sure the report is that this is a bug to fix, and the one-sentence evidence (FindingAssessment).
    @NullEncoded public var confidence: Confidence? = nil
    @NullEncoded public var reason: String? = nil
    /// The phase they were opened in (see LeakGroup.phase); null outside any phase.
    @NullEncoded public var phase: String? = nil
}

/// A code path whose live descriptor count kept rising while the program ran (GrowthAnalysis criterion).
public struct GrowthGroup: Codable, Equatable, Sendable {
    /// "G1", "G2", … most descriptors held first.
    public var id: String
    /// Stable across runs and builds (Fingerprint): what baselines, diff and SARIF match findings by.
    public var fingerprint = ""
    /// Descriptors from this code path still open when shutdown began (or the process ended).
    public var count: Int
    public var kind: String
    public var api: String
    public var culprit: Frame
    @NullEncoded public var calledFrom: Frame? = nil
    public var stack: [Frame]
    /// Before shutdown: descriptors opened here, and released again (by anyone, explicitly or not).
    public var opened: Int
    public var closed: Int
    /// Highest live count.
    public var peak: Int
    /// The lowest live count in each quarter of the code path's events before shutdown: the evidence
    /// (it rises strictly, e.g. [1, 3, 4, 6]).
    public var lowWaterMarks: [Int]
    public var pids: [Int]
    public var perProcess: [LeakGroup.ProcessCount] = []
    /// How sure the report is that this is a bug to fix, and the one-sentence evidence (FindingAssessment).
    @NullEncoded public var confidence: Confidence? = nil
    @NullEncoded public var reason: String? = nil
    /// The code path's first and last event before shutdown, in seconds since its process started.
    public var firstSeenSeconds: Double
    public var lastSeenSeconds: Double
}
