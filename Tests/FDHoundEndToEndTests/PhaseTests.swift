// End to end: a C program names phases through the shim's public API; the report splits the one leaking
// code path by phase (JSON `phase`, a section per phase in text and Markdown), a helper thread's open
// counts for the phase open in the process, and a nested phase keeps its own descriptors.
import Foundation
import XCTest

final class PhaseTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    func testLeaksAreGroupedByThePhaseThatOpenedThem() throws {
        let program = try FixtureProgram.build("leak_in_phases", in: workDirectory, extraFlags: ["-pthread"])
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, "fdhound run failed: \(run.stderr)")
        XCTAssertEqual(run.stdout, "done\n")
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        // (culprit function, phase or "-") → count, in report order
        let seen = leaks.map { leak -> String in
            let culprit = (leak["culprit"] as? [String: Any])?["function"] as? String ?? "?"
            return "\(culprit)@\(leak["phase"] as? String ?? "-")×\(leak["count"] as? Int ?? 0)"
        }
        XCTAssertEqual(seen, ["open_cache_entry@-×1", "open_cache_entry@request 1×2", "open_cache_entry@request 2×3",
                              "helper_thread@request 2×1", "open_cache_entry@request 2 | nested `sub`×1"])
        let line = try program.line(ofMark: "open_cache_entry")
        for leak in leaks where (leak["culprit"] as? [String: Any])?["function"] as? String == "open_cache_entry" {
            XCTAssertEqual((leak["culprit"] as? [String: Any])?["line"] as? Int, line)
        }
        XCTAssertEqual(leaks.map { $0["id"] as? String ?? "" }, ["L1", "L2", "L3", "L4", "L5"], "ids follow the phase order")

        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertEqual(text.status, 0, text.stderr)
        let headings = text.stdout.split(separator: "\n").filter { $0.hasPrefix("── phase ") }
        XCTAssertEqual(headings, ["── phase request 1 ──", "── phase request 2 ──", "── phase request 2 | nested `sub` ──"])
        XCTAssertFalse(text.stdout.contains("clean request"), "a phase without findings gets no section")

        let markdown = try FDHoundCLI.run(["report", traces, "--format", "markdown"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        XCTAssertTrue(markdown.stdout.contains("### Phase `` request 2 \\| nested `sub` ``"), markdown.stdout)
    }
}
