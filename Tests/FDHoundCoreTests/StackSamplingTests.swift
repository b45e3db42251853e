// Always-on traces (StackSampling): a descriptor whose stack was not sampled joins its code path's full
// stack with exact counts and says how many stacks were sampled; it never forms a one-frame group of its own.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class StackSamplingTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try TemporaryDirectory.make("sampling") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func report(_ builder: TraceBuilder) throws -> Report {
        try builder.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = NullSymbolizer()
        return try ReportBuilder.build(tracePath: directory.path, options: options)
    }

    private func alwaysOn() -> TraceBuilder {
        let builder = TraceBuilder()
        builder.flags |= FDH_HEADER_FLAG_ALWAYS_ON.rawValue
        return builder
    }

    func testUnsampledLeaksJoinTheirCodePathsFullStackWithExactCounts() throws {
        let builder = alwaysOn()
        let full = builder.stack([0x40_1234, 0x40_1500, 0x40_1600])
        let partial = builder.partialStack(caller: 0x40_1234, second: 0x40_1500)
        var fd: Int32 = 3
        for _ in 0..<2 { builder.open(fd: fd, path: "/dev/null", stack: full); fd += 1 }
        for _ in 0..<10 { builder.open(fd: fd, path: "/dev/null", stack: partial); fd += 1 }
        for _ in 0..<30 { builder.open(fd: fd, path: "/dev/null", stack: partial); builder.close(fd: fd) }
        let report = try report(builder)
        XCTAssertEqual(report.leaks.count, 1, "one code path, one group")
        let leak = report.leaks[0]
        XCTAssertEqual(leak.count, 12)
        XCTAssertEqual(leak.stack.map(\.address), ["0x401233", "0x4014ff", "0x4015ff"], "the full stack")
        XCTAssertEqual(leak.openedAtSite, 42)
        XCTAssertEqual(leak.closedAtSite, 30)
        XCTAssertEqual(leak.stackSampling, LeakGroup.StackSampling(leakedWithStack: 2, leaked: 12, openedWithStack: 2, opened: 42, fullStacks: 1))
        let text = TextFormatter.render(report)
        XCTAssertTrue(text.contains("stack sampled: 2 of 12 descriptors have their own stack"), text)
    }

    func testACodePathWhoseLeaksWereAllUnsampledShowsItsFullStack() throws {
        let builder = alwaysOn()
        let full = builder.stack([0x40_1234, 0x40_1500])
        let partial = builder.partialStack(caller: 0x40_1234, python: 7 << 32 | 24)
        for fd: Int32 in 3..<11 { builder.open(fd: fd, path: "/a", stack: full); builder.close(fd: fd) }
        for fd: Int32 in 3..<8 { builder.open(fd: fd, path: "/a", stack: partial) }
        let report = try report(builder)
        XCTAssertEqual(report.leaks.count, 1)
        // The Python frame is part of the code path: the native-only full stack is another path, so no
        // full stack stands for these, and the group says so instead of inventing one.
        XCTAssertEqual(report.leaks[0].stack.map(\.function), [nil, nil, StackSampling.notSampledFrame], "\(report.leaks[0].stack)")
        XCTAssertEqual(report.leaks[0].stackSampling?.openedWithStack, 0)
        XCTAssertTrue(ReportWording.stackSampling(report.leaks[0])?.contains("none of its 5 openings") == true)
    }

    func testAllUnsampledLeaksStillGetTheFullStackOfTheirPath() throws {
        let builder = alwaysOn()
        let full = builder.stack([0x40_1234, 0x40_1500, 0x40_1600])
        let partial = builder.partialStack(caller: 0x40_1234, second: 0x40_1500)
        for fd: Int32 in 3..<11 { builder.open(fd: fd, path: "/a", stack: full); builder.close(fd: fd) }
        for fd: Int32 in 3..<8 { builder.open(fd: fd, path: "/a", stack: partial) }
        let leak = try XCTUnwrap(report(builder).leaks.first)
        XCTAssertEqual(leak.count, 5)
        XCTAssertEqual(leak.stack.count, 3)
        XCTAssertEqual(leak.stackSampling, LeakGroup.StackSampling(leakedWithStack: 0, leaked: 5, openedWithStack: 8, opened: 13, fullStacks: 1))
    }

    func testDifferentCallersAreDifferentCodePaths() throws {
        let builder = alwaysOn()
        let fullA = builder.stack([0x40_1234, 0x40_1500])
        let fullB = builder.stack([0x40_2234, 0x40_1500])
        builder.open(fd: 3, path: "/a", stack: fullA)
        builder.open(fd: 4, path: "/b", stack: fullB)
        builder.open(fd: 5, path: "/a", stack: builder.partialStack(caller: 0x40_1234, second: 0x40_1500))
        builder.open(fd: 6, path: "/b", stack: builder.partialStack(caller: 0x40_2234, second: 0x40_1500))
        builder.open(fd: 7, path: "/b", stack: builder.partialStack(caller: 0x40_2234, second: 0x40_1500))
        let report = try report(builder)
        XCTAssertEqual(report.leaks.map(\.count), [3, 2])
        XCTAssertEqual(report.leaks.map { $0.stack.first?.address }, ["0x402233", "0x401233"])
    }

    func testAWrapperCalledFromSeveralPlacesSaysWhichStackItShows() throws {
        let builder = alwaysOn()
        // xopen() (0x401234, called at 0x401500) from two outer callers: one code path, two full stacks.
        let fromA = builder.stack([0x40_1234, 0x40_1500, 0x40_1600])
        let fromB = builder.stack([0x40_1234, 0x40_1500, 0x40_1700])
        let partial = builder.partialStack(caller: 0x40_1234, second: 0x40_1500)
        builder.open(fd: 3, path: "/a", stack: fromA)
        builder.open(fd: 4, path: "/a", stack: fromB)
        builder.open(fd: 5, path: "/a", stack: fromB)
        for fd: Int32 in 6..<10 { builder.open(fd: fd, path: "/a", stack: partial) }
        let report = try report(builder)
        XCTAssertEqual(report.leaks.map(\.count), [6, 1], "the unsampled ones go with the stack holding the most")
        XCTAssertEqual(report.leaks[0].stack.map(\.address), ["0x401233", "0x4014ff", "0x4016ff"])
        XCTAssertEqual(report.leaks[0].stackSampling?.fullStacks, 2)
        let line = try XCTUnwrap(ReportWording.stackSampling(report.leaks[0]))
        XCTAssertTrue(line.contains("which 2 different full stacks share"), line)
    }

    func testFullModeTracesHaveNoSamplingLine() throws {
        let builder = TraceBuilder()
        builder.open(fd: 3, path: "/a", stack: builder.stack([0x40_1234]))
        let report = try report(builder)
        XCTAssertNil(report.leaks[0].stackSampling)
        let json = JSONFormatter.render(report)
        XCTAssertTrue(json.contains("\"stackSampling\" : null"), json)
    }
}
