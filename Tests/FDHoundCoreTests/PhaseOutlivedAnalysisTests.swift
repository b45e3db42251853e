// Descriptors that outlived their phase, on a synthetic trace: opened in a phase, still open when it ended
// and closed later → one finding of that phase (nested phases: the innermost); closed inside the phase,
// opened in a phase still running at the close, or still open at exit (a leak) → none; ids in phase order.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class PhaseOutlivedAnalysisTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory.make("outlived")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testOnlyDescriptorsClosedAfterTheirPhaseEndedAreFindingsOfThatPhase() throws {
        let program = LeakyProgram()
        let b = program.builder
        var time: UInt64 = 1_000
        func tick() -> UInt64 { time += 1_000; return time }
        b.phaseBegin("test_closed_in_time", timeNs: tick())
        b.open(fd: 3, path: "/tmp/a", stack: program.churnStack, timeNs: tick())
        b.close(fd: 3, timeNs: tick())
        b.phaseEnd(timeNs: tick())
        b.phaseBegin("test_kept", timeNs: tick())
        for fd: Int32 in [4, 5] {
            b.open(fd: fd, kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, stack: program.socketStack, timeNs: tick())
        }
        b.phaseEnd(timeNs: tick())
        b.phaseBegin("test_outer", timeNs: tick())
        b.phaseBegin("inner", timeNs: tick())
        b.open(fd: 6, path: "/tmp/inner", stack: program.churnStack, timeNs: tick())
        b.phaseEnd(timeNs: tick())          // inner ends: fd 6 outlives it, though test_outer still runs
        b.open(fd: 7, path: "/tmp/outer", stack: program.churnStack, timeNs: tick())
        b.close(fd: 6, timeNs: tick())
        b.phaseEnd(timeNs: tick())
        b.phaseBegin("test_leaks_to_exit", timeNs: tick())
        b.open(fd: 8, path: "/tmp/leak", stack: program.fopenStack, timeNs: tick())
        b.phaseEnd(timeNs: tick())
        for fd: Int32 in [5, 4, 7] { b.close(fd: fd, timeNs: tick()) }  // later, outside any phase
        b.phaseBegin("running at exit", timeNs: tick())
        b.open(fd: 9, path: "/tmp/last", stack: program.churnStack, timeNs: tick())
        b.close(fd: 9, timeNs: tick())       // its phase never ends: closed while it ran
        b.exit(timeNs: tick())
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = LeakyProgram.symbolizer()
        let report = try ReportBuilder.build(tracePath: directory.path, options: options)

        XCTAssertEqual(report.outlivedPhase.map { "\($0.id) \($0.phase) \($0.count) \($0.culprit.function ?? "?")" },
                       ["O1 test_kept 2 leak_probe_sockets", "O2 test_outer 1 churn_open_close", "O3 inner 1 churn_open_close"])
        let kept = try XCTUnwrap(report.outlivedPhase.first)
        XCTAssertEqual(kept.kind, "inet-socket")
        XCTAssertEqual(kept.api, "socket")
        XCTAssertLessThan(kept.lastOpenedSeconds, kept.firstClosedSeconds)
        XCTAssertEqual(kept.samples, ["inet-socket (fds 4, 5)"])
        XCTAssertFalse(kept.fingerprint.isEmpty)
        XCTAssertEqual(report.leaks.map { "\($0.phase ?? "-") \($0.count)" }, ["test_leaks_to_exit 1"], "still open at exit: a leak, not outlived")
        let text = TextFormatter.render(report)
        XCTAssertTrue(text.contains("── phase test_kept ──\n\nO1  2 × inet-socket outlived the phase, opened by socket in leak_probe_sockets"), text)
        XCTAssertTrue(summaryLine(report).contains("4 descriptors outlived their phase"), summaryLine(report))
        let checked = CheckFindings.findings(in: report, includeMisuse: false, includeReclaimed: true)
        XCTAssertEqual(checked.filter { $0.signature.section == "outlived-phase" }.map(\.count), [2, 1, 1])
        XCTAssertTrue(CheckFindings.findings(in: report, includeMisuse: false, includeReclaimed: false)
            .allSatisfy { $0.signature.section != "outlived-phase" }, "opt-in, like reclaimed")
    }
}
