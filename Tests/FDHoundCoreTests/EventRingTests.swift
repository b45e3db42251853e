// The event log is a ring (format version 2): the reader keeps the newest `capacity` events, in sequence
// order, skips slots whose copy cannot be trusted, and still reads version-1 logs (first events kept).
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class EventRingTests: XCTestCase {
    private func ring(capacity: Int, opens: Int) -> TraceBuilder {
        var capacities = TraceBuilder.Capacities()
        capacities.events = capacity
        let b = TraceBuilder(capacities: capacities)
        for fd in 0..<opens { b.open(fd: Int32(3 + fd), path: "/x", timeNs: UInt64(1000 * (fd + 1))) }
        return b
    }

    private func eventOffset(_ b: TraceBuilder, slot: Int) throws -> Int {
        try XCTUnwrap(b.sectionOffsets[FDH_SECTION_EVENTS.rawValue]) + slot * MemoryLayout<fdh_event>.size
    }

    func testWrappedRingKeepsTheNewestEventsInOrder() throws {
        let trace = try TraceFile(bytes: ring(capacity: 4, opens: 10).build(), path: "mem")
        XCTAssertEqual(trace.header.version, FDH_FORMAT_VERSION)
        XCTAssertTrue(trace.eventLogIsRing)
        let scan = trace.events()
        XCTAssertEqual(scan.events.map(\.seq), [6, 7, 8, 9])
        XCTAssertEqual(scan.events.map(\.fd), [9, 10, 11, 12])
        XCTAssertEqual(scan.summary.overwritten, 6)
        XCTAssertEqual(scan.summary.windowStart, 6)
        XCTAssertEqual(scan.summary.first?.timeNs, 7000)
        XCTAssertEqual(scan.unpublished + scan.corrupt, 0)
        XCTAssertEqual(trace.header.eventsDropped, 0, "overwritten events are not dropped ones")
        XCTAssertEqual(trace.liveDescriptors.count, 10, "the live table stays exact")
    }

    func testRingThatNeverFilledReadsLikeALog() throws {
        let trace = try TraceFile(bytes: ring(capacity: 16, opens: 5).build(), path: "mem")
        XCTAssertEqual(trace.events().events.map(\.seq), [0, 1, 2, 3, 4])
        XCTAssertEqual(trace.eventsOverwritten, 0)
    }

    func testSlotBeingWrittenIsSkipped() throws {
        let b = ring(capacity: 4, opens: 10)
        var bytes = b.build()
        let slot = 8 % 4
        let offset = try eventOffset(b, slot: slot)
        withUnsafeBytes(of: FDH_EVENT_BUSY.rawValue.littleEndian) { busy in
            for i in 0..<4 { bytes[offset + i] = busy[i] }
        }
        let scan = try TraceFile(bytes: bytes, path: "mem").events()
        XCTAssertEqual(scan.events.map(\.seq), [6, 7, 9])
        XCTAssertEqual(scan.unpublished, 1)
    }

    func testSlotStillHoldingAnOlderLapIsNotTakenForTheEventDue() throws {
        // The writer of seq 9 dropped its event (slot busy), so slot 1 still holds seq 5 of the lap before.
        let b = ring(capacity: 4, opens: 10)
        var bytes = b.build()
        let offset = try eventOffset(b, slot: 1)
        var old = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: fdh_event.self) }
        old.seq = 5
        old.commit = fdh_event_commit_word(5, 4)
        withUnsafeBytes(of: old) { for i in 0..<MemoryLayout<fdh_event>.size { bytes[offset + i] = $0[i] } }
        let scan = try TraceFile(bytes: bytes, path: "mem").events()
        XCTAssertEqual(scan.events.map(\.seq), [6, 7, 8])
        XCTAssertEqual(scan.unpublished, 1)
        XCTAssertEqual(scan.corrupt, 0)
    }

    func testCommitWordOfTheWrongLapIsCorrupt() throws {
        let b = ring(capacity: 4, opens: 10)
        var bytes = b.build()
        let offset = try eventOffset(b, slot: 3)  // seq 7, lap 1: word 2
        bytes[offset] = 9
        let scan = try TraceFile(bytes: bytes, path: "mem").events()
        XCTAssertEqual(scan.events.map(\.seq), [6, 8, 9])
        XCTAssertEqual(scan.corrupt, 1)
    }

    func testCorruptEventsNextCannotMakeTheReaderWalkPastTheSection() throws {
        let b = ring(capacity: 4, opens: 3)
        var bytes = b.build()
        let field = TraceBuilder.headerOffset(\.events_next)
        withUnsafeBytes(of: UInt64.max.littleEndian) { for i in 0..<8 { bytes[field + i] = $0[i] } }
        let scan = try TraceFile(bytes: bytes, path: "mem").events()
        XCTAssertEqual(scan.events.count, 0, "no slot holds the seqs of the claimed window")
        XCTAssertEqual(scan.unpublished + scan.corrupt, 4, "exactly one pass over the four slots")
    }

    func testReportSaysWhatWasOverwrittenAndWhereTheWindowStarts() throws {
        let b = ring(capacity: 4, opens: 10)
        let directory = try TemporaryDirectory.make("ring")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = NullSymbolizer()
        let report = try ReportBuilder.build(tracePath: directory.path, options: options)
        XCTAssertEqual(report.processes.first?.dropped.eventsOverwritten, 6)
        let warning = try XCTUnwrap(report.warnings.first { $0.contains("the event log wrapped") })
        XCTAssertTrue(warning.contains("the oldest 6 events were overwritten"), warning)
        XCTAssertTrue(warning.contains("events 6–9, from 0.000 s after start"), warning)
        XCTAssertEqual(report.leaks.map(\.count).reduce(0, +), 10, "leak counts come from the live table")
    }

    /// A trace written by a version-1 shim (kept the first 16 of its events, dropped the rest) stays readable.
    func testVersion1TraceFixtureKeepsItsFirstEvents() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/traces/v1-first-16-events-of-a-20-descriptor-leak.trace").path
        let trace = try TraceFile(path: path)
        XCTAssertEqual(trace.header.version, 1)
        XCTAssertFalse(trace.eventLogIsRing)
        let scan = trace.events()
        XCTAssertEqual(scan.events.map(\.seq), Array(0..<16))
        XCTAssertEqual(scan.unpublished + scan.corrupt, 0)
        XCTAssertEqual(trace.eventsOverwritten, 0)
        XCTAssertEqual(trace.header.eventsDropped, trace.header.eventsNext - 16)
        XCTAssertEqual(trace.liveDescriptors.filter { $0.state == .open && $0.fd > 2 }.count, 20)
    }
}

/// Passes that replay the log stay right when the ring lost its oldest events: counts come from the live
/// table and the call-site counters, the trend from the kept window.
final class WrappedRingPassesTests: XCTestCase {
    func testTimeLeftCountsWhatIsOpenNowWhenTheLogWrapped() throws {
        var capacities = TraceBuilder.Capacities()
        capacities.events = 256
        let b = TraceBuilder(pid: 31, capacities: capacities)
        for fd in 0..<3 { b.inherited(fd: Int32(fd)) }
        let churn = b.stack([0x5100, 0x5200])
        let leak = b.stack([0x5300, 0x5200])
        var time: UInt64 = 1_000_000
        for i in 0..<1000 {
            b.open(fd: 5, path: "/churn", stack: churn, timeNs: time)
            b.close(fd: 5, timeNs: time + 1000)
            if i % 10 == 0 { b.open(fd: Int32(10 + i / 10), path: "/leak", stack: leak, timeNs: time + 2000) }
            time += 10_000_000
        }
        b.exit(timeNs: time)
        let directory = try TemporaryDirectory.make("ring-forecast")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = NullSymbolizer()
        let report = try ReportBuilder.build(tracePath: directory.path, options: options)
        XCTAssertGreaterThan(report.processes.first?.dropped.eventsOverwritten ?? 0, 1500)
        let process = try XCTUnwrap(report.processes.first?.timeLeft)
        XCTAssertEqual(process.current, 103, "100 leaked + 3 inherited, from the live table")
        let path = try XCTUnwrap(report.timeLeft.first)
        XCTAssertEqual(path.open, 100, "the code path's open count from its call-site counters")
        XCTAssertEqual(path.timeLeft.verdict, "projected")
        XCTAssertEqual(path.timeLeft.perSecond, 10, accuracy: 1, "one leak per 100 ms in the kept window")
    }
}
