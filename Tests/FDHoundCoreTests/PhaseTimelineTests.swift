// PhaseTimeline's attribution rules on hand-made event sequences: per-thread nesting, a thread without a
// phase of its own counting for the phase begun last, unmatched ends ignored, unnamed phases.
import XCTest
@testable import FDHoundCore

final class PhaseTimelineTests: XCTestCase {
    private var seq: UInt64 = 0

    private func event(_ type: UInt8, tid: UInt32, str1: UInt32 = 0) -> TraceEvent {
        defer { seq += 1 }
        return TraceEvent(seq: seq, type: EventType(traceValue: type), api: 0, kind: 0, owner: 0, fd: 3, fd2: -1, result: 3, err: 0,
                          timeNs: seq, tid: tid, stack: 0, str1: str1, str2: 0, arg: 0)
    }

    func testOpensBelongToTheInnermostPhaseOfTheirThreadElseTheLatestOpenOne() {
        let names: [UInt32: String] = [1: "test_a", 2: "inner", 3: "request"]
        let events = [
            event(1, tid: 10),              // 0: no phase
            event(17, tid: 10),             // 1: unmatched end: ignored
            event(16, tid: 10, str1: 1),    // 2: test_a on 10
            event(1, tid: 10),              // 3: test_a
            event(16, tid: 10, str1: 2),    // 4: inner on 10
            event(3, tid: 10),              // 5: inner (a dup)
            event(1, tid: 11),              // 6: thread 11 has none: the latest open phase, inner
            event(16, tid: 11, str1: 3),    // 7: request on 11
            event(1, tid: 10),              // 8: still inner on 10 (its own thread's phase wins)
            event(17, tid: 10),             // 9: ends inner
            event(1, tid: 12),              // 10: latest open is request
            event(17, tid: 11),             // 11: ends request
            event(1, tid: 12),              // 12: test_a
            event(17, tid: 10),             // 13: ends test_a
            event(16, tid: 10),             // 14: unnamed
            event(1, tid: 10),              // 15
            event(1, tid: 10),              // 16 (never ended: still that phase)
        ]
        let timeline = PhaseTimeline(events: events, name: { names[$0] })
        let attributed = events.filter { $0.type == .open || $0.type == .dup }.map { timeline.phase(openedAt: $0.seq)?.name ?? "-" }
        XCTAssertEqual(attributed, ["-", "test_a", "inner", "inner", "inner", "request", "test_a",
                                    PhaseTimeline.unnamed, PhaseTimeline.unnamed])
        XCTAssertEqual(timeline.phases.map(\.endSeq), [13, 9, 11, nil])
    }
}
