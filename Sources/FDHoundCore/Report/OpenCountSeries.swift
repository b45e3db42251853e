// The report model of "open descriptors over time" (the HTML report's chart): per process, the total count
// and the count of each of its top code paths, replayed from the event log (ExhaustionForecast's timeline)
// and downsampled to at most `maxPoints` points per line (SeriesSampler). JSON names are public contract.

/// Open descriptors over time in one process: the whole process, and its code paths that held the most.
public struct OpenCountSeries: Codable, Equatable, Sendable {
    /// Points per line at most (a line of a day-long run still draws, and the JSON stays small).
    public static let maxPoints = 500
    /// Code paths drawn per process at most (those whose count peaked highest).
    public static let maxCodePaths = 5
    /// Processes with a series at most (those whose count peaked highest).
    public static let maxProcesses = 8

    public var pid: Int
    /// The process's open descriptors (inherited ones included) over the kept window of its event log.
    public var total: [SeriesPoint]
    /// Its code paths that held the most descriptors at their peak (at least 2 at once), highest first.
    public var codePaths: [CodePathSeries]
}

/// One code path's line of a process's chart.
public struct CodePathSeries: Codable, Equatable, Sendable {
    public var kind: String
    public var api: String
    public var culprit: Frame
    @NullEncoded public var calledFrom: Frame? = nil
    /// The most descriptors it held at once in the window.
    public var peak: Int
    public var points: [SeriesPoint]
}

/// The count right after `seconds` (since the process started, or was attached to): a step function.
public struct SeriesPoint: Codable, Equatable, Sendable {
    public var seconds: Double
    public var open: Int

    public init(seconds: Double, open: Int) {
        self.seconds = seconds
        self.open = open
    }
}
