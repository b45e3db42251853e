// The pattern and confidence of a leak from its call-site counts and the times of the kept descriptors:
// each criterion of LeakAssessment on a case that meets it and one that just misses it.
import XCTest
@testable import FDHoundCore

final class LeakAssessmentTests: XCTestCase {
    private func evidence(opened: Int, closed: Int = 0, kept: Int, processes: Int = 1, first: Double, last: Double,
                          end: Double?, limit: Double? = nil, closeWait: Int = 0, kind: String = "file") -> LeakAssessment.Evidence {
        LeakAssessment.Evidence(opened: opened, closed: closed, kept: kept, processes: processes, firstKept: first,
                                lastKept: last, runEnd: end, limitHitAt: limit, closeWait: closeWait, kind: kind)
    }

    func testKeptUntilTheEndIsGrowingWithHighConfidence() {
        let verdict = LeakAssessment.assess(evidence(opened: 300, closed: 270, kept: 30, first: 0.007, last: 0.067, end: 0.07))
        XCTAssertEqual(verdict.pattern, .growing)
        XCTAssertEqual(verdict.confidence, .high)
        XCTAssertTrue(verdict.reason.contains("opened 300 times here, 30 never closed"), verdict.reason)
        XCTAssertTrue(verdict.reason.hasSuffix("the count grew until exit"), verdict.reason)
    }

    func testKeptUntilTheLimitIsGrowingAlthoughTheRunWentOn() {
        let e = evidence(opened: 9998, kept: 9998, first: 0.001, last: 1.3, end: 1.9, limit: 1.31)
        XCTAssertEqual(LeakAssessment.assess(e).pattern, .growing)
        var unlimited = e
        unlimited.limitHitAt = nil
        XCTAssertEqual(LeakAssessment.assess(unlimited).pattern, .repeated, "without the limit, 1.3 of 1.9 s is not the last quarter")
    }

    func testEventOrderDecidesWhenKnown() {
        // By time the last kept one is at 60 % of the run (the shim's exit work stretched it); by event
        // order it is at 96 %: still being kept at the end.
        var e = evidence(opened: 300, closed: 288, kept: 12, first: 0.5, last: 0.6, end: 1.0)
        XCTAssertEqual(LeakAssessment.assess(e).pattern, .repeated)
        e.position = (first: 0.02, last: 0.96, limit: nil)
        XCTAssertEqual(LeakAssessment.assess(e).pattern, .growing)
        e.position = (first: 0.02, last: 0.5, limit: 0.55)
        XCTAssertEqual(LeakAssessment.assess(e).pattern, .growing, "up to the first EMFILE")
    }

    func testManyKeptButNotLateIsRepeated() {
        let verdict = LeakAssessment.assess(evidence(opened: 100, closed: 50, kept: 50, first: 1, last: 5, end: 10))
        XCTAssertEqual(verdict.pattern, .repeated)
        XCTAssertEqual(verdict.confidence, .medium)
        let burst = LeakAssessment.assess(evidence(opened: 100, closed: 50, kept: 50, first: 0.1, last: 2, end: 10))
        XCTAssertEqual(burst.pattern, .repeated)
        XCTAssertEqual(burst.confidence, .low, burst.reason)
        let peerGone = LeakAssessment.assess(evidence(opened: 100, closed: 50, kept: 50, first: 1, last: 5, end: 10, closeWait: 3))
        XCTAssertEqual(peerGone.confidence, .high)
    }

    func testOpenedOnceIsOnceLowAtStartupMediumLate() {
        let epoll = LeakAssessment.assess(evidence(opened: 1, kept: 1, first: 0.01, last: 0.01, end: 5, kind: "epoll"))
        XCTAssertEqual(epoll.pattern, .once)
        XCTAssertEqual(epoll.confidence, .low)
        XCTAssertTrue(epoll.reason.contains("event loop"), epoll.reason)
        let late = LeakAssessment.assess(evidence(opened: 1, kept: 1, first: 4, last: 4, end: 5))
        XCTAssertEqual(late.pattern, .once)
        XCTAssertEqual(late.confidence, .medium)
        let killed = LeakAssessment.assess(evidence(opened: 1, kept: 1, first: 0.01, last: 0.01, end: nil))
        XCTAssertEqual(killed.pattern, .once)
        XCTAssertEqual(killed.confidence, .medium, "the run's end is unknown: \(killed.reason)")
        let perProcess = LeakAssessment.assess(evidence(opened: 150, kept: 150, processes: 150, first: 0, last: 3, end: 3))
        XCTAssertEqual(perProcess.pattern, .once, "bash's fd 255 in 150 shells")
    }

    func testAFewHeldFromStartupAreOnceButAStartupLoopThatLeaksIsNot() {
        let logs = LeakAssessment.assess(evidence(opened: 2, kept: 2, first: 0.007, last: 0.007, end: 2))
        XCTAssertEqual(logs.pattern, .once, "nginx's two log files, opened by one loop")
        let loop = LeakAssessment.assess(evidence(opened: 9, kept: 9, first: 0.007, last: 0.01, end: 2))
        XCTAssertNotEqual(loop.pattern, .once, "more than \(LeakAssessment.startupSetLimit) is a leaking loop")
        let someClosed = LeakAssessment.assess(evidence(opened: 3, closed: 1, kept: 2, first: 0.007, last: 0.01, end: 2))
        XCTAssertNotEqual(someClosed.pattern, .once)
        let peerGone = LeakAssessment.assess(evidence(opened: 3, kept: 3, first: 0.007, last: 0.01, end: 2, closeWait: 3))
        XCTAssertEqual(peerGone.pattern, .repeated, "accepted connections in CLOSE_WAIT are forgotten, not held")
        XCTAssertEqual(peerGone.confidence, .high)
    }

    func testRankingPutsGrowingFirstAndOnceLast() {
        func leak(_ count: Int, _ pattern: LeakPattern) -> LeakGroup {
            var group = LeakGroup(id: "", count: count, kind: "file", api: "open", owner: "fd",
                                  culprit: Frame(module: "/bin/a", address: "0x\(count)"), stack: [], samples: [], pids: [1],
                                  firstSeenSeconds: 0, lastSeenSeconds: 0)
            group.pattern = pattern
            return group
        }
        let ranked = FindingRanking.rank([leak(500, .once), leak(2, .repeated), leak(3, .growing), leak(9, .repeated)],
                                         prefix: "L", by: LeakGroup.precedes)
        XCTAssertEqual(ranked.map(\.count), [3, 9, 2, 500])
        XCTAssertEqual(ranked.map(\.id), ["L1", "L2", "L3", "L4"])
    }
}
