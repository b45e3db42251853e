// The statistics behind "time left": a least-squares line through a live-count timeline, with a slope
// interval that is honest about how little independent information a step function holds.
//
// Why a grid: a live count is a step function of time, and events come in bursts; regressing on the event
// points would weigh a burst of 1,000 calls in one millisecond like 1,000 minutes of data. The count is
// therefore sampled at `gridPoints` evenly spaced instants of the observed window and the line is fitted to
// those. Neighbouring samples are correlated (a step lasts across several), so the standard error of the
// slope uses the effective sample size n·(1−ρ)/(1+ρ), ρ the lag-1 autocorrelation of the residuals — without
// it, a sawtooth or a burst would look far more certain than it is.
//
// Growth is decided first, as in GrowthAnalysis: the lowest count of each quarter of the window must rise
// strictly from quarter to quarter (a pool that filled up and stays level, or churn, never does).

/// A fitted trend of one live-count timeline.
struct TrendFit: Equatable {
    /// Descriptors per second (least squares).
    let slope: Double
    /// Half-width of the ~95 % interval of the slope (2 standard errors, autocorrelation-corrected).
    let slopeMargin: Double
    /// Share of the variance the line explains (0–1).
    let rSquared: Double
    /// Lowest count in each quarter of the window.
    let quarterLows: [Int]
    /// True when the quarter lows rise strictly.
    var rises: Bool { zip(quarterLows, quarterLows.dropFirst()).allSatisfy { $0 < $1 } }

    static let gridPoints = 256

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
        let residuals = (0..<n).map { samples[$0] - (meanY + slope * (times[$0] - meanT)) }
        let ssr = residuals.reduce(0) { $0 + $1 * $1 }
        let rSquared = syy > 0 ? max(0, 1 - ssr / syy) : 0
        var lagged = 0.0
        for k in 1..<n { lagged += residuals[k] * residuals[k - 1] }
        let rho = ssr > 0 ? min(0.99, max(0, lagged / ssr)) : 0
        let effective = max(3, Double(n) * (1 - rho) / (1 + rho))
        let variance = ssr / max(1, effective - 2)
        let standardError = (variance / (sxx * effective / Double(n))).squareRoot()
        return TrendFit(slope: slope, slopeMargin: 2 * standardError, rSquared: rSquared, quarterLows: lows)
    }
}
