// Turns a live-count timeline — a start value and (time, ±1) steps — into at most `maxPoints` points that
// still show every peak and trough: when there are more changes than that, the window is cut into
// maxPoints/2 equal buckets and each bucket keeps its lowest and its highest count, in the order they
// happened. Deterministic: the same steps give the same points.

enum SeriesSampler {
    /// The points of the step function starting at `initial` at `window.start`, ending at `window.end`.
    static func points(initial: Int, steps: [(time: Double, delta: Int)], window: (start: Double, end: Double),
                       maxPoints: Int = OpenCountSeries.maxPoints) -> (points: [SeriesPoint], peak: Int) {
        // Steps arrive in event order; threads can record slightly out of time order.
        let ordered = steps.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        var exact = [SeriesPoint(seconds: window.start, open: initial)]
        var value = initial, peak = initial
        for (_, step) in ordered {
            value += step.delta
            peak = max(peak, value)
            let time = min(max(step.time, window.start), window.end)
            if exact.last?.seconds == time { exact[exact.count - 1].open = value } else {
                exact.append(SeriesPoint(seconds: time, open: value))
            }
        }
        if let last = exact.last, last.seconds < window.end { exact.append(SeriesPoint(seconds: window.end, open: value)) }
        guard exact.count > maxPoints, maxPoints >= 4 else { return (exact, peak) }

        let buckets = (maxPoints - 2) / 2
        let span = max(window.end - window.start, .leastNonzeroMagnitude)
        var sampled = [exact[0]]
        var index = 1
        let inner = exact.count - 1 // the last point is kept as is
        for bucket in 0..<buckets {
            let end = window.start + span * Double(bucket + 1) / Double(buckets)
            var low: SeriesPoint?, high: SeriesPoint?
            while index < inner, exact[index].seconds <= end || bucket == buckets - 1 {
                let point = exact[index]
                if low.map({ point.open < $0.open }) ?? true { low = point }
                if high.map({ point.open > $0.open }) ?? true { high = point }
                index += 1
            }
            guard let low, let high else { continue }
            if low == high { sampled.append(low) } else {
                sampled += low.seconds <= high.seconds ? [low, high] : [high, low]
            }
        }
        sampled.append(exact[exact.count - 1])
        return (sampled, peak)
    }
}
