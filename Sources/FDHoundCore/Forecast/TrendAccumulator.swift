// What TrendFit needs of one live-count timeline, gathered step by step as the event log streams past:
// the count at each grid instant, the lowest count in each grid cell, the count at each batch boundary
// and how many steps fell where. Memory is fixed per timeline (about 1 KB), whatever the number of steps,
// so the time-left pass follows the number of code paths, not the number of events.
//
// The window [start, end] must be known before the first step (ExhaustionForecast finds its end with one
// look at the newest events). Steps are taken in the order given — the order of the log — exactly as the
// array version walked them: a step that is out of time order is counted where the walk reaches it.

struct TrendAccumulator {
    let start: Double
    let end: Double
    /// Steps seen, steps at or after `start`, steps inside [start, end].
    private(set) var changes = 0
    private(set) var changesFromStart = 0
    private(set) var changesInWindow = 0

    private let width: Double
    private var count: Int
    /// Grid walk: -1 before `start`; then cell k, before (false) or after (true) its middle; `gridPoints` when done.
    private var cell = -1
    private var pastMiddle = false
    private var low = 0
    private var threshold = 0.0
    private var samples: [Int32] = []
    private var lows = [Int](repeating: .max, count: 4)
    /// Batch walk: the next boundary due and the count so far.
    private var boundary = 0
    private var boundaryTime: Double
    private var running: Int
    private var boundaries: [Int] = []

    init(initial: Int, start: Double, end: Double) {
        self.start = start
        self.end = end
        self.count = initial
        self.running = initial
        self.width = (end - start) / Double(TrendFit.gridPoints)
        self.boundaryTime = start + (end - start) * 0 / Double(TrendFit.batches)
    }

    mutating func add(time: Double, delta: Int) {
        changes += 1
        if time >= start {
            changesFromStart += 1
            if time <= end { changesInWindow += 1 }
        }
        guard end > start else { return }
        addToGrid(time: time, delta: delta)
        addToBatches(time: time, delta: delta)
    }

    /// The fit of the steps so far; nil when the window is empty or holds fewer than `minimumChanges` steps.
    func fit(minimumChanges: Int = 8) -> TrendFit? {
        guard end > start, changesInWindow >= minimumChanges else { return nil }
        var done = self
        done.finish()
        let n = TrendFit.gridPoints
        let times = (0..<n).map { start + (Double($0) + 0.5) * width }
        let samples = done.samples.map(Double.init)
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
        let batches = TrendFit.batches
        let blockSeconds = (end - start) / Double(batches)
        let rates = (0..<batches).map { Double(done.boundaries[$0 + 1] - done.boundaries[$0]) / blockSeconds }
        let meanRate = rates.reduce(0, +) / Double(batches)
        let variance = rates.reduce(0) { $0 + ($1 - meanRate) * ($1 - meanRate) } / Double(batches - 1)
        let standardError = (variance / Double(batches)).squareRoot()
        // Finite by construction (end > start); checked anyway: the JSON report cannot hold NaN.
        guard slope.isFinite, standardError.isFinite, rSquared.isFinite else { return nil }
        return TrendFit(slope: slope, slopeMargin: TrendFit.tQuantile * standardError, rSquared: rSquared,
                        quarterLows: done.lows)
    }

    /// The grid walk: the count at each cell's middle is sampled, the lowest count reached inside a cell
    /// (a dip between two samples still counts) goes to its quarter's low. `threshold` is the instant the
    /// walk waits for next (computed once per move, by the same expressions as always).
    private mutating func addToGrid(time: Double, delta: Int) {
        let n = TrendFit.gridPoints
        while cell < n {
            if cell < 0 {
                if time < start { count += delta; return }
                enterCell(0)
                samples.reserveCapacity(n)
            } else if !pastMiddle {
                if time <= threshold { count += delta; low = min(low, count); return }
                passMiddle()
            } else {
                if time < threshold || (cell == n - 1 && time <= end) {
                    count += delta; low = min(low, count); return
                }
                closeCell()
            }
        }
    }

    private mutating func enterCell(_ k: Int) {
        cell = k; pastMiddle = false; low = count
        threshold = start + (Double(k) + 0.5) * width
    }

    private mutating func passMiddle() {
        samples.append(Int32(clamping: count)); pastMiddle = true
        threshold = start + Double(cell + 1) * width
    }

    private mutating func closeCell() {
        let quarter = cell * 4 / TrendFit.gridPoints
        lows[quarter] = min(lows[quarter], low)
        if cell + 1 < TrendFit.gridPoints { enterCell(cell + 1) } else { cell += 1 }
    }

    private mutating func addToBatches(time: Double, delta: Int) {
        let batches = TrendFit.batches
        while boundary <= batches {
            if time < boundaryTime || (boundary == batches && time <= boundaryTime) { running += delta; return }
            boundaries.append(running); boundary += 1
            boundaryTime = start + (end - start) * Double(boundary) / Double(batches)
        }
    }

    /// Walks the rest of the grid and the boundaries with no more steps.
    private mutating func finish() {
        let n = TrendFit.gridPoints
        while cell < n {
            if cell < 0 { enterCell(0) } else if !pastMiddle { passMiddle() } else { closeCell() }
        }
        while boundary <= TrendFit.batches { boundaries.append(running); boundary += 1 }
    }
}
