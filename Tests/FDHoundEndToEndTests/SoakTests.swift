// Soak: a service churning open/close pairs while leaking one descriptor in 1,000 fills its event log many
// times over. The trace stays bounded on disk, the report stays bounded in memory, the per-code-path
// counters and the live table stay exact, and the report says how many events were overwritten.
// CI runs 1 M events into a 65,536-event ring (events overwritten ≈ 15×); tools/bench/analyzer-memory
// --soak runs the full 10 M (the figures are in the README). Nothing here is timed.
import CFDHoundTrace
import FDHoundCore
import Foundation
import XCTest

final class SoakTests: XCTestCase {
    func testChurningServiceKeepsExactCountsBoundedTraceAndSaysWhatWasOverwritten() throws {
        let pairs = 500_000  // 1 M events: 999,500 churned + 500 leaked opens
        let capacity = 65_536
        let work = try FDHoundCLI.temporaryDirectory("soak")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("churn_and_leak_slowly", in: work)
        let traces = work.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--events", String(capacity), "--",
                                      program.binaryPath, String(pairs)])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "500", "the program ran unharmed")

        // The trace: one file, its disk use bounded by the layout whatever the number of events.
        let files = try FileManager.default.contentsOfDirectory(atPath: traces).filter { $0.hasSuffix(".trace") }
        XCTAssertEqual(files.count, 1)
        let path = traces + "/" + files[0]
        var status = stat()
        XCTAssertEqual(stat(path, &status), 0)
        let onDisk = Int(status.st_blocks) * 512
        XCTAssertLessThanOrEqual(onDisk, Int(status.st_size), "sparse: never more than the layout")
        XCTAssertLessThan(onDisk, 32 << 20, "the ring reuses its pages: \(onDisk) bytes on disk")

        // The reader's view: exact counters and live table; the log holds only the newest events.
        let trace = try TraceFile(path: path)
        XCTAssertEqual(trace.header.version, FDH_FORMAT_VERSION) // a ring from version 2 on
        XCTAssertGreaterThanOrEqual(trace.header.eventsNext, UInt64(2 * pairs - 500), "every call was recorded")
        XCTAssertEqual(trace.eventsOverwritten, trace.header.eventsNext - UInt64(capacity))
        let sites = trace.callSites.values.sorted { $0.opened < $1.opened }
        XCTAssertEqual(sites.map(\.opened), [500, UInt64(pairs - 500)], "per-code-path opens are exact")
        XCTAssertEqual(sites.map(\.closed), [0, UInt64(pairs - 500)], "per-code-path closes are exact")
        XCTAssertEqual(trace.liveDescriptors.filter { $0.state == .open && $0.fd > 2 }.count, 500)
        let scan = trace.forEachEvent { _ in }
        XCTAssertEqual(scan.count, capacity, "a single-threaded writer loses no slot of the window")
        XCTAssertEqual(scan.windowStart, trace.header.eventsNext - UInt64(capacity))

        // The report: the leak named with its exact count, and what the log lost, said.
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = LeakView.all(in: report)
        XCTAssertEqual(leaks.map(\.culpritFunction), ["leak_one_in_a_thousand"])
        XCTAssertEqual(leaks.first?.count, 500)
        let process = try XCTUnwrap((report["processes"] as? [[String: Any]])?.first)
        let dropped = try XCTUnwrap(process["dropped"] as? [String: Any])
        XCTAssertEqual(dropped["eventsOverwritten"] as? Int, Int(trace.eventsOverwritten))
        XCTAssertEqual(dropped["events"] as? Int, 0)
        let warnings = (report["warnings"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(warnings.contains("the event log wrapped: the oldest \(trace.eventsOverwritten) events were overwritten"),
                      warnings)

        // Memory of the report follows what it keeps, not the 1 M events it read (needs /usr/bin/time).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { return }
        let timed = try Command.run(["/usr/bin/time", "-f", "%M", FDHoundCLI.executable, "report", traces,
                                     "--format", "json"])
        XCTAssertEqual(timed.status, 0, timed.stderr)
        let peakKB = Int(timed.stderr.split(separator: "\n").last.map(String.init) ?? "") ?? -1
        XCTAssertGreaterThan(peakKB, 0, timed.stderr)
        XCTAssertLessThan(peakKB, 200 * 1024, "peak RSS of the report: \(peakKB) KB")
    }
}
