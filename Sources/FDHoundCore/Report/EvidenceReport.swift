// The report model of the shim's evidence near the descriptor limit (section 11): which code paths held how
// many descriptors when the process crossed its threshold or first hit EMFILE/ENFILE. JSON names are part
// of the public contract.

/// One process's evidence.
public struct ProcessEvidence: Codable, Equatable, Sendable {
    /// Descriptors open when the trace was read (inherited ones included).
    public var openNow: Int
    /// The live count that takes the threshold snapshot, and its share of the soft limit in percent; nil: off.
    @NullEncoded public var threshold: Int? = nil
    @NullEncoded public var thresholdPercent: Double? = nil
    /// Every creating call that failed with EMFILE (the process's limit) / ENFILE (the system's).
    public var emfileFailures: Int
    public var enfileFailures: Int
    /// The snapshots taken, in time order.
    public var moments: [EvidenceMoment]
}

/// One snapshot: the moment and the code paths holding the most descriptors then.
public struct EvidenceMoment: Codable, Equatable, Sendable {
    /// "threshold", "emfile" or "enfile".
    public var trigger: String
    /// Seconds since the process started (or was attached to).
    public var seconds: Double
    public var open: Int
    /// Soft RLIMIT_NOFILE then; nil: unlimited.
    @NullEncoded public var limit: Int? = nil
    /// EMFILE/ENFILE: the call that failed, and where.
    @NullEncoded public var failingCall: String? = nil
    @NullEncoded public var failingCulprit: Frame? = nil
    @NullEncoded public var failingStack: [Frame]? = nil
    /// Descriptors open then that belong to none of `codePaths` (inherited, or beyond the 64 kept).
    public var otherOpen: Int
    /// Most descriptors first.
    public var codePaths: [EvidenceCodePath]
}

public struct EvidenceCodePath: Codable, Equatable, Sendable {
    public var count: Int
    public var kind: String
    public var api: String
    public var culprit: Frame
    @NullEncoded public var calledFrom: Frame? = nil
    public var stack: [Frame]
}
