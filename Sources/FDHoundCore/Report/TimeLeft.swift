// The report model of "time left": how fast a process, or one code path, gains descriptors, and when it
// will reach its limit at that rate (ExhaustionForecast). JSON names are part of the public contract.

/// A projection of one live-count timeline onto a limit.
public struct TimeLeft: Codable, Equatable, Sendable {
    /// "projected"; "too-noisy" (rising, but the rate is too uncertain to project); "not-growing";
    /// "too-little-data" (fewer than 8 changes in the observed window).
    public var verdict: String
    /// "RLIMIT_NOFILE", or "dbus-connections-per-user" (dbus-daemon's default of 256).
    public var limitName: String
    /// nil: no limit (RLIMIT_NOFILE unlimited).
    @NullEncoded public var limit: Int? = nil
    /// Descriptors counted against the limit at the end of the observed window.
    public var current: Int
    /// Fitted rate, descriptors per second, and its ~95 % interval.
    public var perSecond: Double
    public var perSecondLow: Double
    public var perSecondHigh: Double
    /// Share of the timeline's variance the straight line explains (0–1).
    public var rSquared: Double
    /// "high", "medium" or "low" for a projection; nil otherwise.
    @NullEncoded public var confidence: String? = nil
    /// Seconds from the end of the observed window until the limit is reached at the fitted rate, and the
    /// range from the rate's interval; nil unless projected against a finite limit.
    @NullEncoded public var secondsLeft: Double? = nil
    @NullEncoded public var secondsLeftLow: Double? = nil
    @NullEncoded public var secondsLeftHigh: Double? = nil
    /// The window fitted, in seconds since the process started (or was attached to), and its changes.
    public var observedFromSeconds: Double
    public var observedToSeconds: Double
    public var changes: Int
}

/// A code path whose live count rises, with its projection.
public struct CodePathTimeLeft: Codable, Equatable, Sendable {
    public var pid: Int
    public var kind: String
    public var api: String
    public var culprit: Frame
    @NullEncoded public var calledFrom: Frame? = nil
    public var stack: [Frame]
    /// Its descriptors open at the end of the observed window.
    public var open: Int
    /// Against RLIMIT_NOFILE (with the whole process's count as `current`).
    public var timeLeft: TimeLeft
    /// For D-Bus connections: against dbus-daemon's per-user connection limit (256).
    @NullEncoded public var dbusTimeLeft: TimeLeft? = nil
}
