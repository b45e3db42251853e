// What the shim had to do to stay out of the program's way is said in the report: signal handlers'
// calls recorded without a stack (header nested_events), and the parked pipe given back (UNWINDER_YIELDED).
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TracerStateWordingTests: XCTestCase {
    private func warnings(_ configure: (TraceBuilder) -> Void) throws -> String {
        try summarizerWarnings(pid: 78, configure)
    }

    func testSignalHandlerCallsWithoutStacksAreCounted() throws {
        let all = try warnings { b in b.editHeader = { $0.nested_events = 7 } }
        XCTAssertTrue(all.contains("7 calls made by signal handlers that interrupted the tracer were recorded without a stack"), all)
    }

    func testAGivenBackPipeIsExplained() throws {
        let all = try warnings { b in b.flags |= FDH_HEADER_FLAG_UNWINDER_YIELDED.rawValue }
        XCTAssertTrue(all.contains("they were given back and later stacks were captured with glibc's backtrace()"), all)
    }

    func testNothingIsSaidWhenNothingHappened() throws {
        let all = try warnings { _ in }
        XCTAssertFalse(all.contains("signal handlers"), all)
        XCTAssertFalse(all.contains("backtrace()"), all)
    }
}

/// A descriptor a signal handler opened while its thread was inside the recorder has the one-node "nested"
/// stack (frame kind 3): the report groups it under a frame that says why there is no stack.
final class NestedStackTests: XCTestCase {
    func testNestedMarkerFrameIsNamed() throws {
        let directory = try TemporaryDirectory.make("nested")
        defer { try? FileManager.default.removeItem(at: directory) }
        let b = TraceBuilder(pid: 79)
        let nested = b.stack([0], kind: UInt16(FDH_FRAME_NESTED.rawValue))
        b.open(fd: 5, path: "/dev/null", stack: nested)
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = NullSymbolizer()
        let report = try ReportBuilder.build(tracePath: directory.path, options: options)
        XCTAssertEqual(report.leaks.count, 1)
        XCTAssertEqual(report.leaks.first?.count, 1)
        XCTAssertEqual(report.leaks.first?.stack.first?.function,
                       "(a signal handler that interrupted the tracer: no stack captured)")
    }
}
