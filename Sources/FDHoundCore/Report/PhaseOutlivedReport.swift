// Report model for descriptors that outlived their phase (PhaseOutlivedAnalysis; JSON `outlivedPhase`,
// an additive field of schema 1): opened during a phase, still open at its end, closed only later.

/// Descriptors of one opening code path, opened in one phase, closed only after that phase ended.
public struct PhaseOutlivedGroup: Codable, Equatable, Sendable {
    /// "O1", "O2", … in phase order, most descriptors first within a phase.
    public var id: String
    /// Stable across runs and builds (Fingerprint): what baselines, diff and SARIF match findings by.
    public var fingerprint = ""
    /// The phase they were opened in (the pytest node id under the plugin): the one they belong to.
    public var phase: String
    public var count: Int
    public var kind: String
    public var api: String
    /// Where they were opened: the code that should have closed them before its phase ended.
    public var culprit: Frame
    @NullEncoded public var calledFrom: Frame? = nil
    /// The opening stack, innermost first.
    public var stack: [Frame]
    public var samples: [String]
    public var pids: [Int]
    public var perProcess: [LeakGroup.ProcessCount] = []
    /// How sure the report is that this is a bug to fix, and the one-sentence evidence (FindingAssessment).
    @NullEncoded public var confidence: Confidence? = nil
    @NullEncoded public var reason: String? = nil
    /// Seconds since their process started: when the first and last of them were opened, and closed.
    public var firstOpenedSeconds: Double
    public var lastOpenedSeconds: Double
    public var firstClosedSeconds: Double
    public var lastClosedSeconds: Double
}
