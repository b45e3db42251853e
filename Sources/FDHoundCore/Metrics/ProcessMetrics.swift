// The model of one scrape of `fdhound metrics`: per watched process, what /proc says (descriptors open, the
// soft limit) and, when it runs under fdhound, what its trace says (the code paths holding descriptors, the
// growth rate and the projected time to exhaustion). Rendered by PrometheusExposition.

/// What one process looks like at one scrape.
public struct ProcessMetrics: Equatable, Sendable {
    /// Descriptors held by one code path (or, for the remainder past the cardinality bound, by all others).
    public struct CodePath: Equatable, Sendable {
        public var kind: String
        /// "function at file:line" (ReportWording.codePath), as the report names it; raw, not yet escaped.
        public var codePath: String
        public var open: Int
        /// Seconds until the process reaches its soft limit at this path's fitted rate; nil unless projected.
        public var secondsToExhaustion: Double?

        public init(kind: String, codePath: String, open: Int, secondsToExhaustion: Double? = nil) {
            self.kind = kind
            self.codePath = codePath
            self.open = open
            self.secondsToExhaustion = secondsToExhaustion
        }
    }

    public var pid: Int
    /// The executable's file name; raw (from the traced program), not yet escaped.
    public var program: String
    /// From /proc/PID/fd, without the shim's parked libunwind pipe.
    public var openDescriptors: Int
    /// Soft RLIMIT_NOFILE; nil when unlimited or unreadable.
    public var maxDescriptors: Int?
    /// True when the process's running trace was read (the code-path series exist only then).
    public var traced: Bool
    /// The largest code paths first, at most the collector's bound, then one remainder entry if any.
    public var codePaths: [CodePath]
    /// The process's fitted growth, descriptors per second (nil: too little data to fit).
    public var descriptorsPerSecond: Double?
    /// Seconds until the soft limit at the fitted rate (nil unless the verdict is "projected").
    public var secondsToExhaustion: Double?

    public init(pid: Int, program: String, openDescriptors: Int, maxDescriptors: Int?, traced: Bool,
                codePaths: [CodePath] = [], descriptorsPerSecond: Double? = nil, secondsToExhaustion: Double? = nil) {
        self.pid = pid
        self.program = program
        self.openDescriptors = openDescriptors
        self.maxDescriptors = maxDescriptors
        self.traced = traced
        self.codePaths = codePaths
        self.descriptorsPerSecond = descriptorsPerSecond
        self.secondsToExhaustion = secondsToExhaustion
    }
}
