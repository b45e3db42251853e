// SeriesSampler's chart line, gathered step by step as the event log streams past, in memory bounded by the
// number of points drawn (not the number of steps). Steps arrive in event order; threads can record slightly
// out of time order (a thread preempted between its clock read and its slot can land thousands of events
// late), so they pass through a reorder buffer that hands them on sorted by (time, arrival): the result is
// the fully sorted sampler's exactly unless a step arrives more than `reorderLimit` steps late, and such a
// step is drawn at the time of the steps already drawn instead. The buffer is 3 MB at most, and only the
// line being drawn has one (a trace's process line, then its few chosen code paths).
//
// The start value may be known only at the end (a process's count before the window is its final count
// minus the window's changes): points are kept relative to 0 and shifted when the line is taken. Which point
// a bucket keeps (its lowest and highest) does not change under a shift.

struct SeriesAccumulator {
    static let reorderLimit = 1 << 17

    let window: (start: Double, end: Double)
    let maxPoints: Int
    /// The count relative to the start value, and its highest.
    private(set) var value = 0
    private(set) var peak = 0

    /// Steps not yet drawn, sorted by time (ties: arrival), from `head` on.
    private var buffer: [(time: Double, delta: Int)] = []
    private var head = 0
    private var drawnTime = -Double.infinity
    /// The newest point: still changed by further steps at its instant; the line's last point at the end.
    private var current: SeriesPoint
    /// Exact phase: every finished point. Downsampled phase (`bucketed`): the points kept so far.
    private var points: [SeriesPoint] = []
    private var bucketed = false
    private var bucket = 0
    private var low: SeriesPoint?, high: SeriesPoint?

    init(window: (start: Double, end: Double), maxPoints: Int = OpenCountSeries.maxPoints) {
        self.window = window
        self.maxPoints = maxPoints
        current = SeriesPoint(seconds: window.start, open: 0)
    }

    mutating func add(time: Double, delta: Int) {
        var index = buffer.count
        while index > head && buffer[index - 1].time > time { index -= 1 }
        // In time order (nearly every step): an append, not the general insert.
        if index == buffer.count { buffer.append((time, delta)) } else { buffer.insert((time, delta), at: index) }
        if buffer.count - head > Self.reorderLimit { drawNext() }
    }

    /// Draws every step still in the reorder buffer and gives the buffer back, once no step will come: what
    /// is left is the points (≤ `maxPoints`). `line` gives the same line before or after.
    mutating func drainBuffer() {
        while head < buffer.count { drawNext() }
        buffer = []
        head = 0
    }

    /// The line (its values shifted by `initial`) and its peak.
    func line(initial: Int) -> (points: [SeriesPoint], peak: Int) {
        var done = self
        while done.head < done.buffer.count { done.drawNext() }
        if done.current.seconds < window.end {
            done.finishPoint(done.current)
            done.current = SeriesPoint(seconds: window.end, open: done.value)
        }
        // Not bucketed: the finished points and the last are at most `maxPoints` (finishPoint switches before).
        if done.bucketed { done.closeBucket() }
        var points = done.points + [done.current]
        for index in points.indices { points[index].open += initial }
        return (points, initial + done.peak)
    }

    private mutating func drawNext() {
        let step = buffer[head]
        head += 1
        if head >= 1 << 16 { buffer.removeFirst(head); head = 0 }  // drawn steps dropped in batches
        value += step.delta
        peak = max(peak, value)
        let time = max(min(max(step.time, window.start), window.end), drawnTime)
        drawnTime = time
        if current.seconds == time { current.open = value } else {
            finishPoint(current)
            current = SeriesPoint(seconds: time, open: value)
        }
    }

    /// A point that no step can change any more (and that is not the last).
    private mutating func finishPoint(_ point: SeriesPoint) {
        if !bucketed {
            points.append(point)
            // More points than the line may hold even without its last: downsampled for sure; switch now.
            guard points.count + 1 > maxPoints, maxPoints >= 4 else { return }
            let exact = points
            points = [exact[0]]
            bucketed = true
            for point in exact.dropFirst() { addToBucket(point) }
            return
        }
        addToBucket(point)
    }

    private var buckets: Int { (maxPoints - 2) / 2 }

    private func bucketEnd(_ bucket: Int) -> Double {
        let span = max(window.end - window.start, .leastNonzeroMagnitude)
        return window.start + span * Double(bucket + 1) / Double(buckets)
    }

    private mutating func addToBucket(_ point: SeriesPoint) {
        while bucket < buckets - 1 && point.seconds > bucketEnd(bucket) { closeBucket(); bucket += 1 }
        if low.map({ point.open < $0.open }) ?? true { low = point }
        if high.map({ point.open > $0.open }) ?? true { high = point }
    }

    private mutating func closeBucket() {
        defer { low = nil; high = nil }
        guard let low, let high else { return }
        if low == high { points.append(low) } else {
            points += low.seconds <= high.seconds ? [low, high] : [high, low]
        }
    }

    private mutating func closeBuckets() {
        closeBucket()
    }
}
