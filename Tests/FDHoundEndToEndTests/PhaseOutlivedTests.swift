// End to end: descriptors opened during a phase, still open when it ended and closed only later belong to
// that phase (issue 11) — an `outlivedPhase` finding (O1…) on CPython and on PyPy, with the opening line —
// while a CPython collector's release after the phase stays a reclaimed finding of the phase (each
// descriptor reported once), and a phase that closed what it opened has no finding.
import Foundation
import XCTest

final class PhaseOutlivedTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func report(_ interpreter: String) throws -> (json: [String: Any], traces: String) {
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", interpreter, ReclaimedPythonTests.fixture("phase_outlived.py")])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "done\n", run.stderr)
        return (try FDHoundCLI.jsonReport(traces), traces)
    }

    /// "function@phase×count" of a section, in report order.
    private func seen(_ groups: Any?) -> [String] {
        (groups as? [[String: Any]] ?? []).map { group in
            let culprit = (group["culprit"] as? [String: Any])?["function"] as? String ?? "?"
            return "\(culprit)@\(group["phase"] as? String ?? "-")×\(group["count"] as? Int ?? 0)"
        }
    }

    private func line(_ mark: String) throws -> Int {
        try ReclaimedPythonTests.line(ofMark: mark, in: "phase_outlived.py")
    }

    func testOnCPythonOutlivedAndReclaimedAreFindingsOfTheirPhase() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("no /usr/bin/python3") }
        let (report, traces) = try report("/usr/bin/python3")
        XCTAssertEqual(seen(report["outlivedPhase"]), ["keep_socket@test_kept_in_module_list×2"])
        XCTAssertEqual(seen(report["reclaimed"]), ["Holder.__init__@test_dropped_to_gc×1"], "the collector's release stays reclaimed, once")
        XCTAssertEqual(seen(report["leaks"]), [])
        let outlived = (report["outlivedPhase"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(outlived["id"] as? String, "O1")
        XCTAssertEqual((outlived["culprit"] as? [String: Any])?["line"] as? Int, try line("keep_socket"))
        XCTAssertEqual(outlived["kind"] as? String, "inet-socket")
        XCTAssertGreaterThanOrEqual(outlived["firstClosedSeconds"] as? Double ?? -1, outlived["lastOpenedSeconds"] as? Double ?? .infinity)

        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertTrue(text.stdout.contains("Outlived their phase"), text.stdout)
        XCTAssertTrue(text.stdout.contains("── phase test_kept_in_module_list ──\n\nO1  2 × inet-socket outlived the phase, opened by socket in keep_socket at phase_outlived.py:\(try line("keep_socket"))"),
                      text.stdout)
        XCTAssertFalse(text.stdout.contains("test_closed_in_time"), "a phase that closed what it opened has no section")
        let markdown = try FDHoundCLI.run(["report", traces, "--format", "markdown"])
        XCTAssertTrue(markdown.stdout.contains("### Phase `test_kept_in_module_list`\n\n### O1: 2 × inet-socket outlived the phase"), markdown.stdout)
        let sarif = try FDHoundCLI.run(["report", traces, "--format", "sarif"])
        XCTAssertTrue(sarif.stdout.contains("\"ruleId\" : \"fdhound/outlived-phase\""), sarif.stdout)
        for format in ["html", "junit"] {
            let other = try FDHoundCLI.run(["report", traces, "--format", format])
            XCTAssertEqual(other.status, 0, other.stderr)
            XCTAssertTrue(other.stdout.contains("O1: 2 × inet-socket outlived the phase, opened by socket in keep_socket"), "\(format): \(other.stdout)")
        }
        let summary = try FDHoundCLI.run(["run", "-o", workDirectory.appendingPathComponent("again").path, "--",
                                          "/usr/bin/python3", ReclaimedPythonTests.fixture("phase_outlived.py")])
        XCTAssertTrue(summary.stderr.contains("2 descriptors outlived their phase"), summary.stderr)
    }

    func testOnPyPyTheCollectorsLateCloseIsAnOutlivedFinding() throws {
        let python = FixtureProgram.repositoryRoot.appendingPathComponent(".venv/pypy/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pypy3") else { throw XCTSkip("no /usr/bin/pypy3") }
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: python), "run tools/python-env")
        let (report, _) = try report(python)
        XCTAssertEqual(seen(report["outlivedPhase"]), ["keep_socket@test_kept_in_module_list×2", "Holder.__init__@test_dropped_to_gc×1"])
        XCTAssertEqual(seen(report["reclaimed"]) + seen(report["leaks"]), [])
        let groups = report["outlivedPhase"] as? [[String: Any]] ?? []
        XCTAssertEqual(groups.map { ($0["culprit"] as? [String: Any])?["line"] as? Int },
                       [try line("keep_socket"), try line("Holder.__init__")])
    }
}
