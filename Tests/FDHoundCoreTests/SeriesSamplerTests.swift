// The chart's series: a step function downsampled to a bounded number of points that keeps every bucket's
// lowest and highest count, so a spike survives; short timelines are kept exactly.
import XCTest
@testable import FDHoundCore

final class SeriesSamplerTests: XCTestCase {
    func testShortTimelinesAreExact() {
        let steps: [(time: Double, delta: Int)] = [(1, 1), (2, 1), (2, 1), (3, -1)]
        let (points, peak) = SeriesSampler.points(initial: 3, steps: steps, window: (0.5, 4))
        XCTAssertEqual(points.map(\.seconds), [0.5, 1, 2, 3, 4])
        XCTAssertEqual(points.map(\.open), [3, 4, 6, 5, 5], "two steps at one instant are one point")
        XCTAssertEqual(peak, 6)
    }

    func testLongTimelinesAreBoundedAndKeepTheSpike() {
        // 100,000 changes of churn between 10 and 11, one spike to 500 in the middle, a final rise to 40.
        var steps = [(time: Double, delta: Int)]()
        for i in 0..<50_000 { steps += [(Double(i) * 0.001 + 0.0002, 1), (Double(i) * 0.001 + 0.0007, -1)] }
        for _ in 0..<490 { steps.append((25.0008, 1)) }
        for _ in 0..<490 { steps.append((25.0009, -1)) }
        for i in 0..<30 { steps.append((49.99 + Double(i) * 0.0001, 1)) }
        let (points, peak) = SeriesSampler.points(initial: 10, steps: steps, window: (0, 50))
        XCTAssertLessThanOrEqual(points.count, OpenCountSeries.maxPoints)
        XCTAssertGreaterThan(points.count, 100)
        XCTAssertEqual(peak, 500)
        XCTAssertEqual(points.map(\.open).max(), 500, "the spike survives downsampling")
        XCTAssertEqual(points.first, SeriesPoint(seconds: 0, open: 10))
        XCTAssertEqual(points.last, SeriesPoint(seconds: 50, open: 40))
        XCTAssertEqual(points.map(\.seconds), points.map(\.seconds).sorted(), "in time order")
        let again = SeriesSampler.points(initial: 10, steps: steps, window: (0, 50)).points
        XCTAssertEqual(again, points, "deterministic")
    }

    func testOutOfOrderStepsAreSortedByTime() {
        let (points, _) = SeriesSampler.points(initial: 0, steps: [(2, 1), (1, 1), (3, -1)], window: (0, 3))
        XCTAssertEqual(points.map(\.open), [0, 1, 2, 1])
    }
}
