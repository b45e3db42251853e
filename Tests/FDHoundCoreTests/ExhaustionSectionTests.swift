// The exhaustion section: one entry per EMFILE/ENFILE snapshot of each process (never the threshold one),
// with the process's failure count, rendered in text, Markdown and SARIF with the leak group it matches.
import XCTest
@testable import FDHoundCore

final class ExhaustionSectionTests: XCTestCase {
    private let culprit = Frame(function: "leak_one", file: "/src/a.c", line: 7, module: "/bin/a", address: "0x10")

    private func report() -> Report {
        let path = EvidenceCodePath(count: 290, kind: "file", api: "open", culprit: culprit, stack: [culprit])
        var emfile = EvidenceMoment(trigger: "emfile", seconds: 2.5, open: 300, limit: 300, otherOpen: 10, codePaths: [path])
        emfile.failingCall = "open"
        emfile.failingCulprit = culprit
        let threshold = EvidenceMoment(trigger: "threshold", seconds: 2, open: 240, limit: 300, otherOpen: 0, codePaths: [path])
        var process = ProcessSummary(pid: 42, ppid: 1, argv: ["a"], state: "exited", traceFile: "t", openAtEnd: 300, leaked: 290,
                                     dropped: DroppedCounters(events: 0, strings: 0, modules: 0, stacks: 0, liveDescriptors: 0, callSites: 0))
        process.evidence = ProcessEvidence(openNow: 300, emfileFailures: 3, enfileFailures: 0, moments: [threshold, emfile])
        let leak = LeakGroup(id: "L1", count: 290, kind: "file", api: "open", owner: "fd", culprit: culprit, stack: [culprit],
                             samples: [], pids: [42], firstSeenSeconds: 0, lastSeenSeconds: 2.5)
        var report = Report(tracePath: "t", processes: [process], leaks: [leak], inherited: [], warnings: [])
        report.exhaustion = ExhaustionSection.entries(from: report.processes)
        Fingerprint.assign(to: &report)
        return report
    }

    func testOneEntryPerFailureSnapshotWithItsCounts() {
        let entries = report().exhaustion
        XCTAssertEqual(entries.count, 1, "the threshold snapshot is not a failure")
        let entry = entries[0]
        XCTAssertEqual(entry.id, "E1")
        XCTAssertEqual(entry.error, "EMFILE")
        XCTAssertEqual(entry.failures, 3)
        XCTAssertEqual(entry.open, 300)
        XCTAssertEqual(entry.fingerprint.count, 16)
    }

    func testEveryFormatShowsIt() {
        let report = report()
        let text = ReportRenderer.render(report, as: .text)
        XCTAssertTrue(text.contains("E1  pid 42: first EMFILE at 2.500 s in open (leak_one at a.c:7), 300 open of 300; 3 calls failed with EMFILE in all"), text)
        XCTAssertTrue(text.contains("    held then: 290 × file opened by open in leak_one at a.c:7 [L1]"), text)
        XCTAssertTrue(text.contains("    held then: 10 more open (inherited, or other code paths)"), text)
        XCTAssertFalse(text.contains("    first EMFILE"), "not repeated under the process: \(text)")
        let markdown = ReportRenderer.render(report, as: .markdown)
        XCTAssertTrue(markdown.contains("### Ran out of descriptors\n\n- E1: pid 42: first EMFILE at 2.500 s"), markdown)
        let sarif = ReportRenderer.render(report, as: .sarif)
        XCTAssertTrue(sarif.contains("\"ruleId\" : \"fdhound/exhaustion\""), sarif)
        let json = ReportRenderer.render(report, as: .json)
        XCTAssertTrue(json.contains("\"exhaustion\" : ["), json)
    }
}
