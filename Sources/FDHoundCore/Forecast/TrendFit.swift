// The statistics behind "time left": a least-squares line through a live-count timeline, with a slope
// interval that is honest about how little independent information a step function holds.
//
// Why a grid: a live count is a step function of time, and events come in bursts; regressing on the event
// points would weigh a burst of 1,000 calls in one millisecond like 1,000 minutes of data. The count is
// therefore sampled at `gridPoints` evenly spaced instants of the observed window and the line is fitted to
// those. The uncertainty of the rate does not come from the fit's residuals: neighbouring samples of a
// step function are strongly correlated, and the residuals of a perfectly steady random process look like a
// random walk, so the textbook standard error is meaningless. It comes from batch means instead: the window
// is cut into `batches` equal blocks, each block's own rate (net change / duration) is measured, and the
// spread of those rates gives the standard error of their mean — small for a steady leak, large for bursts
// or a process whose rate changed during the window (which is exactly when a projection should not be made).
//
// Growth is decided first, as in GrowthAnalysis: the lowest count of each quarter of the window must rise
// strictly from quarter to quarter (a pool that filled up and stays level, or churn, never does).

/// A fitted trend of one live-count timeline.
struct TrendFit: Equatable {
    /// Descriptors per second (least squares).
    let slope: Double
    /// Half-width of the ~95 % interval of the rate (batch means: Student's t with 15 degrees of freedom).
    let slopeMargin: Double
    /// Share of the variance the line explains (0–1).
    let rSquared: Double
    /// Lowest count in each quarter of the window.
    let quarterLows: [Int]
    /// True when the quarter lows rise strictly.
    var rises: Bool { zip(quarterLows, quarterLows.dropFirst()).allSatisfy { $0 < $1 } }

    static let gridPoints = 256
    static let batches = 16
    /// Two-sided 95 % quantile of Student's t with `batches − 1` = 15 degrees of freedom.
    static let tQuantile = 2.131

    /// Fits `count(t)`, given as the count before the window and (time, delta) steps in time order, over
    /// [start, end] seconds. Nil when the window is empty or there are fewer than `minimumChanges` steps in it.
    /// (The streaming passes feed a TrendAccumulator directly; this is the same fit over an array.)
    static func fit(initial: Int, steps: [(time: Double, delta: Int)], start: Double, end: Double,
                    minimumChanges: Int = 8) -> TrendFit? {
        var accumulator = TrendAccumulator(initial: initial, start: start, end: end)
        for step in steps { accumulator.add(time: step.time, delta: step.delta) }
        return accumulator.fit(minimumChanges: minimumChanges)
    }
}
