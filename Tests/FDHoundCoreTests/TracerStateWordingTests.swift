// What the shim had to do to stay out of the program's way is said in the report: signal handlers'
// calls recorded without a stack (header nested_events), and the parked pipe given back (UNWINDER_YIELDED).
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TracerStateWordingTests: XCTestCase {
    private func warnings(_ configure: (TraceBuilder) -> Void) throws -> String {
        let b = TraceBuilder(pid: 78)
        b.open(fd: 3, path: "/a")
        configure(b)
        let trace = try TraceFile(bytes: b.build(), path: "mem")
        return ProcessSummarizer.warnings(for: trace).joined(separator: "\n")
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
