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
    static func fit(initial: Int, steps: [(time: Double, delta: Int)], start: Double, end: Double,
                    minimumChanges: Int = 8) -> TrendFit? {
        guard end > start, steps.filter({ $0.time >= start && $0.time <= end }).count >= minimumChanges else { return nil }
        let n = gridPoints
        let width = (end - start) / Double(n)
        var samples = [Double]()
        samples.reserveCapacity(n)
        var count = initial
        var next = 0
        while next < steps.count && steps[next].time < start { count += steps[next].delta; next += 1 }
        var lows = [Int](repeating: .max, count: 4)
        for k in 0..<n {
            let t = start + (Double(k) + 0.5) * width
            // The lowest count reached inside this grid cell goes to the quarter lows (a dip between
            // two samples still counts), the count at the cell's middle to the fit.
            let cellEnd = start + Double(k + 1) * width
            var low = count
            while next < steps.count && steps[next].time <= t {
                count += steps[next].delta; next += 1; low = min(low, count)
            }
            samples.append(Double(count))
            while next < steps.count && (steps[next].time < cellEnd || (k == n - 1 && steps[next].time <= end)) {
                count += steps[next].delta; next += 1; low = min(low, count)
            }
            let quarter = k * 4 / n
            lows[quarter] = min(lows[quarter], low)
        }
        let times = (0..<n).map { start + (Double($0) + 0.5) * width }
        let meanT = times.reduce(0, +) / Double(n)
        let meanY = samples.reduce(0, +) / Double(n)
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for k in 0..<n {
            let dt = times[k] - meanT, dy = samples[k] - meanY
            sxx += dt * dt; sxy += dt * dy; syy += dy * dy
        }
        let slope = sxy / sxx
        let ssr = (0..<n).reduce(0.0) { sum, k in
            let residual = samples[k] - (meanY + slope * (times[k] - meanT))
            return sum + residual * residual
        }
        let rSquared = syy > 0 ? max(0, 1 - ssr / syy) : 0
        // Batch means: the count at each block boundary, exactly from the steps.
        var boundaries = [Int]()
        var running = initial, cursor = 0
        for j in 0...batches {
            let t = start + (end - start) * Double(j) / Double(batches)
            while cursor < steps.count && (steps[cursor].time < t || (j == batches && steps[cursor].time <= t)) {
                running += steps[cursor].delta; cursor += 1
            }
            boundaries.append(running)
        }
        let blockSeconds = (end - start) / Double(batches)
        let rates = (0..<batches).map { Double(boundaries[$0 + 1] - boundaries[$0]) / blockSeconds }
        let meanRate = rates.reduce(0, +) / Double(batches)
        let variance = rates.reduce(0) { $0 + ($1 - meanRate) * ($1 - meanRate) } / Double(batches - 1)
        let standardError = (variance / Double(batches)).squareRoot()
        // Finite by construction (end > start); checked anyway: the JSON report cannot hold NaN.
        guard slope.isFinite, standardError.isFinite, rSquared.isFinite else { return nil }
        return TrendFit(slope: slope, slopeMargin: tQuantile * standardError, rSquared: rSquared, quarterLows: lows)
    }
}
