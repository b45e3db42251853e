// The per-process view of a report: processes as a tree (children under their parent, an exec'd image
// after the image it replaced) and each process's share of the merged leak groups.
import XCTest
@testable import FDHoundCore

final class ProcessTreeWordingTests: XCTestCase {
    private func process(_ pid: Int, parent: Int, state: String = "exited", start: String) -> ProcessSummary {
        ProcessSummary(pid: pid, ppid: parent, executable: "/bin/p\(pid)", argv: [], state: state,
                       traceFile: "t\(pid)", startTime: start, durationSeconds: nil, openAtEnd: 0, leaked: 0,
                       rlimitSoft: nil, rlimitHard: nil,
                       dropped: DroppedCounters(events: 0, strings: 0, modules: 0, stacks: 0, liveDescriptors: 0, callSites: 0))
    }

    private func leak(_ id: String, _ shares: [(Int, Int)]) -> LeakGroup {
        LeakGroup(id: id, count: shares.reduce(0) { $0 + $1.1 }, kind: "file", api: "open", owner: "fd",
                  culprit: Frame(module: "m", address: "0x1"), stack: [], samples: [], pids: shares.map(\.0),
                  perProcess: shares.map { LeakGroup.ProcessCount(pid: $0.0, count: $0.1) },
                  firstSeenSeconds: 0, lastSeenSeconds: 0, openedAtSite: nil, closedAtSite: nil)
    }

    func testChildrenFollowTheirParentAndExecImagesFollowTheReplacedOne() {
        let report = Report(tracePath: "/t", processes: [
            process(30, parent: 10, start: "3"),
            process(20, parent: 10, start: "4"),                    // the image exec started
            process(10, parent: 1, start: "1"),                     // root: its parent is not traced
            process(20, parent: 10, state: "execed", start: "2"),   // the image exec replaced
            process(40, parent: 30, start: "5"),
        ], leaks: [], inherited: [], warnings: [])
        let tree = ReportWording.processTree(report).map { "\($0.process.pid)/\($0.process.state)@\($0.depth)" }
        XCTAssertEqual(tree, ["10/exited@0", "20/execed@1", "20/exited@1", "30/exited@1", "40/exited@2"])
    }

    func testEachProcessNamesItsShareOfTheMergedGroups() {
        let report = Report(tracePath: "/t", processes: [process(10, parent: 1, start: "1"), process(11, parent: 10, start: "2")],
                            leaks: [leak("L1", [(10, 20), (11, 1)]), leak("L2", [(11, 3)])], inherited: [], warnings: [])
        XCTAssertEqual(ReportWording.leakShare(of: report.processes[0], in: report), "L1×20")
        XCTAssertEqual(ReportWording.leakShare(of: report.processes[1], in: report), "L1×1, L2×3")
        let text = ReportRenderer.render(report, as: .text)
        XCTAssertTrue(text.contains("  process 11  /bin/p11  exited"), text)
        XCTAssertTrue(text.contains("[L1×1, L2×3]"), text)
    }

    func testARecursiveStackMarksTheCulpritOnce() {
        let recursive = Frame(function: "walk", file: "/src/tree.c", line: 9, column: nil, module: "/srv/app",
                              address: "0x40", inlined: false)
        var group = leak("L1", [(10, 2)])
        group.culprit = recursive
        group.stack = [Frame(function: "open", file: nil, line: nil, column: nil, module: "/lib/libc.so.6",
                             address: "0x9", inlined: false), recursive, recursive, recursive]
        let report = Report(tracePath: "/t", processes: [process(10, parent: 1, start: "1")], leaks: [group],
                            inherited: [], warnings: [])
        let text = ReportRenderer.render(report, as: .text)
        XCTAssertEqual(text.components(separatedBy: "\n").filter { $0.hasPrefix("  → ") }.count, 1, text)
        XCTAssertTrue(text.contains("  → #1 walk"), text)
        XCTAssertEqual(ReportWording.leakShare(of: process(10, parent: 1, state: "execed", start: "0"), in: report), "",
                       "an image replaced by exec has no share of its pid's leaks")
    }

    func testLongPidListsAreShortened() {
        XCTAssertEqual(ReportWording.pidList([7]), "pid 7")
        XCTAssertEqual(ReportWording.pidList(Array(1...32)), "pids 1, 2, 3, 4, 5 and 27 more")
    }
}
