// Turns a live-count timeline — a start value and (time, ±1) steps — into at most `maxPoints` points that
// still show every peak and trough: when there are more changes than that, the window is cut into
// maxPoints/2 equal buckets and each bucket keeps its lowest and its highest count, in the order they
// happened. Deterministic: the same steps give the same points. The work is SeriesAccumulator's (which the
// streaming time-left pass feeds directly); this is its array form.

enum SeriesSampler {
    /// The points of the step function starting at `initial` at `window.start`, ending at `window.end`.
    static func points(initial: Int, steps: [(time: Double, delta: Int)], window: (start: Double, end: Double),
                       maxPoints: Int = OpenCountSeries.maxPoints) -> (points: [SeriesPoint], peak: Int) {
        var series = SeriesAccumulator(window: window, maxPoints: maxPoints)
        for step in steps { series.add(time: step.time, delta: step.delta) }
        return series.line(initial: initial)
    }
}
