// Corrupt input never crashes or hangs the analyzer: seeded random bit flips over a valid trace either parse
// (and then analyse and render) or throw TraceError; stack cycles and dangling links end the walk with a
// warning.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TraceCorruptionTests: XCTestCase {
    func testRandomBitFlipsEitherParseOrThrowTraceError() throws {
        let program = LeakyProgram()
        let b = program.builder
        let files = program.fopenStack
        for fd in 3..<40 { b.open(fd: Int32(fd), api: FDH_API_FOPEN, path: "/etc/f\(fd % 3)", stack: files, timeNs: UInt64(fd)) }
        b.open(fd: 41, kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, path: "1.2.3.4:5", peer: "5.6.7.8:9", stack: program.socketStack)
        b.inherited(fd: 0)
        b.close(fd: 5)
        b.failed(err: EMFILE)
        let valid = b.build()
        // Flips aim where the data is: the header, and the populated start of each section.
        let hotSpots = [0..<MemoryLayout<fdh_header>.size] + b.sectionOffsets.values.map { $0..<($0 + 2048) }
        var generator = SeededGenerator(state: 0xFD40_0D)
        var parsed = 0, rejected = 0
        let symbolizer = LeakyProgram.symbolizer()
        for iteration in 0..<2000 {
            var bytes = valid
            let flips = Int.random(in: 1...6, using: &generator)
            for _ in 0..<flips {
                let region = hotSpots[Int.random(in: 0..<hotSpots.count, using: &generator)]
                let position = min(Int.random(in: region, using: &generator), bytes.count - 1)
                bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
            }
            do {
                let trace = try TraceFile(bytes: bytes, path: "mutant-\(iteration)")
                parsed += 1
                // Everything downstream must survive a trace that passed validation.
                _ = trace.events()
                let analysis = LeakAnalysis(traces: [trace], symbolizer: symbolizer, maxFrames: 16).run()
                let report = Report(tracePath: "t", processes: [ProcessSummarizer.summary(of: trace)],
                                    leaks: analysis.leaks, inherited: analysis.inherited,
                                    warnings: ProcessSummarizer.warnings(for: trace) + analysis.warnings,
                                    showInherited: true)
                for format in ReportFormat.allCases { XCTAssertFalse(ReportRenderer.render(report, as: format).isEmpty) }
                _ = summaryLine(report)
            } catch is TraceError {
                rejected += 1
            } catch {
                XCTFail("iteration \(iteration): unexpected error \(error)")
            }
        }
        // Both outcomes must actually occur, or the test is not exercising what it claims.
        XCTAssertGreaterThan(parsed, 100, "parsed \(parsed), rejected \(rejected)")
        XCTAssertGreaterThan(rejected, 100, "parsed \(parsed), rejected \(rejected)")
    }

    func testStackCycleEndsTheWalkWithAProblem() throws {
        let b = TraceBuilder()
        let id = b.stack([0x100, 0x200, 0x300])  // nodes 1 (0x300), 2 (0x200), 3 (0x100)
        b.setParent(ofNode: 1, to: id)           // outermost points back to innermost
        b.open(fd: 3, path: "/x", stack: id)
        let trace = try TraceFile(bytes: b.build(), path: "mem")
        let walk = trace.stack(id)
        XCTAssertEqual(walk.frames.map(\.ip), [0x100, 0x200, 0x300])
        XCTAssertTrue(walk.problem?.contains("cycle") ?? false, "\(String(describing: walk.problem))")

        let report = LeakAnalysis(traces: [trace], symbolizer: NullSymbolizer(), maxFrames: 16).run()
        XCTAssertEqual(report.leaks.count, 1)
        XCTAssertTrue(report.warnings.contains { $0.contains("cycle") }, "\(report.warnings)")
    }

    func testSelfLoopAndDanglingParentStop() throws {
        let b = TraceBuilder()
        let loop = b.stack([0x10])
        b.setParent(ofNode: loop, to: loop)
        let dangling = b.stack([0x20, 0x30])
        b.setParent(ofNode: dangling - 1, to: 100_000)
        let trace = try TraceFile(bytes: b.build(), path: "mem")
        XCTAssertEqual(trace.stack(loop).frames.count, 1)
        XCTAssertNotNil(trace.stack(loop).problem)
        XCTAssertEqual(trace.stack(dangling).frames.map(\.ip), [0x20, 0x30])
        XCTAssertTrue(trace.stack(dangling).problem?.contains("outside the node table") ?? false)
        XCTAssertTrue(trace.stack(999_999).problem?.contains("outside") ?? false)
    }

    func testWalkIsCappedAtTheConfiguredDepth() throws {
        let b = TraceBuilder()
        b.stackDepth = 4
        let id = b.stack((1...10).map { UInt64($0) * 16 })
        let walk = try TraceFile(bytes: b.build(), path: "mem").stack(id)
        XCTAssertEqual(walk.frames.count, 4)
        XCTAssertTrue(walk.problem?.contains("deeper than 4") ?? false)
    }

    func testUnpublishedNodeStopsTheWalk() throws {
        let b = TraceBuilder()
        let id = b.stack([0x100, 0x200])
        var bytes = b.build()
        let nodes = try XCTUnwrap(b.sectionOffsets[FDH_SECTION_STACK_NODES.rawValue])
        let stateOffset = MemoryLayout<fdh_stack_node>.offset(of: \.state) ?? 0
        bytes[nodes + Int(id) * MemoryLayout<fdh_stack_node>.size + stateOffset] = 1  // claimed, not published
        let walk = try TraceFile(bytes: bytes, path: "mem").stack(id)
        XCTAssertEqual(walk.frames, [])
        XCTAssertTrue(walk.problem?.contains("not published") ?? false)
    }
}
