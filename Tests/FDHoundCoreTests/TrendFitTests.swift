// TrendFit and the projection verdicts on synthetic live-count timelines: a steady leak is projected with
// a tight interval, a pool that filled up and stays level is not growing, and a random walk or a single
// burst is never projected.
@testable import FDHoundCore
import FDHoundTestSupport
import XCTest

final class TrendFitTests: XCTestCase {
    private func verdict(_ steps: [(time: Double, delta: Int)], limit: Int = 1024) -> TimeLeft {
        let end = steps.last?.time ?? 1
        return ExhaustionForecast.project(initial: 0, steps: steps, window: (steps.first?.time ?? 0, end),
                                          current: steps.reduce(0) { $0 + $1.delta }, limit: limit, limitName: "RLIMIT_NOFILE")
    }

    func testASteadyLeakWithJitterAndChurnIsProjectedWithHighConfidence() {
        var generator = SeededGenerator(state: 7)
        var steps = [(time: Double, delta: Int)]()
        var t = 0.0
        for _ in 0..<500 {
            t += Double.random(in: 0.5...1.5, using: &generator) // one leak per second on average
            steps.append((t, 1))
            steps.append((t + 0.01, 1)) // churn: open and close
            steps.append((t + 0.02, -1))
        }
        let forecast = verdict(steps)
        XCTAssertEqual(forecast.verdict, "projected")
        XCTAssertEqual(forecast.confidence, "high")
        XCTAssertEqual(forecast.perSecond, 500 / t, accuracy: 0.05)
        let truth = Double(1024 - 500) / (500 / t)
        XCTAssertEqual(forecast.secondsLeft ?? 0, truth, accuracy: truth * 0.1)
        XCTAssertLessThan(forecast.secondsLeftLow ?? 0, forecast.secondsLeft ?? 0)
        XCTAssertGreaterThan(forecast.secondsLeftHigh ?? 0, forecast.secondsLeft ?? 0)
    }

    func testAPoolThatFillsAndStaysLevelIsNotGrowing() {
        var steps = (0..<20).map { (time: Double($0) * 0.01, delta: 1) }
        for k in 0..<200 { steps += [(1 + Double(k), -1), (1 + Double(k) + 0.5, 1)] } // recycled one by one
        XCTAssertEqual(verdict(steps).verdict, "not-growing")
    }

    func testARandomWalkOrABurstIsNeverProjected() {
        var generator = SeededGenerator(state: 3)
        var walk = [(time: Double, delta: Int)]()
        var level = 50
        for k in 0..<2000 {
            let delta = level > 0 && Bool.random(using: &generator) ? -1 : 1
            level += delta
            walk.append((Double(k), delta))
        }
        XCTAssertNotEqual(verdict(walk).verdict, "projected")
        // Flat for 99 s, then 300 opened in the last second: the quarters do not all rise.
        let burst = (0..<10).map { (time: Double($0) * 10, delta: 0) } + (0..<300).map { (time: 99 + Double($0) / 300, delta: 1) }
        XCTAssertNotEqual(verdict(burst).verdict, "projected")
    }

    func testTooFewChangesSaysSo() {
        XCTAssertEqual(verdict([(0, 1), (1, 1), (2, 1)]).verdict, "too-little-data")
    }
}
