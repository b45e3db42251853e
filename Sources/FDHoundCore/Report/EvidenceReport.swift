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

/// A process ran out of descriptors: its first EMFILE (its own limit) or ENFILE (the system's), with the
/// code paths holding descriptors at that moment (the shim's snapshot) — the report's `exhaustion`
/// section, ids "E1", "E2", … in pid and time order.
public struct DescriptorExhaustion: Codable, Equatable, Sendable {
    public var id: String
    /// Stable across runs (Fingerprint of section "exhaustion", the error and the failing call's culprit).
    public var fingerprint = ""
    public var pid: Int
    /// "EMFILE" or "ENFILE".
    public var error: String
    /// Seconds since the process started (or was attached to) when the first one happened.
    public var seconds: Double
    /// Descriptors open then, and the soft RLIMIT_NOFILE then (nil: unlimited).
    public var open: Int
    @NullEncoded public var limit: Int? = nil
    /// Calls that failed with this error in the whole run (the first included).
    public var failures: Int
    /// The call that failed first, where, and its stack.
    @NullEncoded public var failingCall: String? = nil
    @NullEncoded public var failingCulprit: Frame? = nil
    public var failingStack: [Frame] = []
    /// Descriptors open then that belong to none of `codePaths`.
    public var otherOpen: Int
    /// The code paths holding the most descriptors then, most first.
    public var codePaths: [EvidenceCodePath]
}
