// `fdhound diff OLD NEW` between a saved JSON report and a trace directory: code paths new in the later
// run, gone from it, and the same code paths compare as no difference.
import Foundation
import XCTest

final class DiffCommandTests: XCTestCase {
    func testNewAndGoneCodePathsAreListedByName() throws {
        let workDirectory = try FDHoundCLI.temporaryDirectory("diff")
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let first = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let second = try FixtureProgram.build("leak_each_kind", in: workDirectory)
        let oldTraces = workDirectory.appendingPathComponent("old").path
        let newTraces = workDirectory.appendingPathComponent("new").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", oldTraces, "--", first.binaryPath]).status, 0)
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", newTraces, "--", second.binaryPath]).status, 0)
        let saved = workDirectory.appendingPathComponent("old.json")
        try Data(try FDHoundCLI.run(["report", oldTraces, "--format", "json"]).stdout.utf8).write(to: saved)

        let diff = try FDHoundCLI.run(["diff", saved.path, newTraces])
        XCTAssertEqual(diff.status, 0, diff.stderr)
        XCTAssertTrue(diff.stdout.contains("New in the second run (6):"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("+ 10 × leak pipe in leak_pipe at leak_each_kind.c:"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("Gone in the second run (2):"), diff.stdout)
        XCTAssertTrue(diff.stdout.contains("- 1000 × leak file in leak_cache_files at leak_thousand_files.c:"), diff.stdout)
        XCTAssertEqual(try FDHoundCLI.run(["diff", "--fail-on-new", saved.path, newTraces]).status, 1)
        let file = workDirectory.appendingPathComponent("diff.txt").path
        let written = try FDHoundCLI.run(["diff", "-o", file, saved.path, newTraces])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertEqual(written.stdout, "")
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), diff.stdout, "-o writes what would be printed")

        let same = try FDHoundCLI.run(["diff", saved.path, oldTraces])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stdout.contains("No difference"), same.stdout)
    }

    func testAnUnreadableSideIsAClearError() throws {
        let result = try FDHoundCLI.run(["diff", "/nonexistent/a.json", "/nonexistent/b"])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.contains("/nonexistent/a.json"), result.stderr)
    }

    func testAReportThatCannotBeWrittenIsExit73() throws {
        let result = try FDHoundCLI.run(["report", "/nonexistent/traces", "-o", "/nonexistent/dir/r.txt"])
        XCTAssertEqual(result.status, 65, "the traces are read first: \(result.stderr)")
        let workDirectory = try FDHoundCLI.temporaryDirectory("unwritable")
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let program = try FixtureProgram.build("leak_each_kind", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("t").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath]).status, 0)
        let unwritable = try FDHoundCLI.run(["report", traces, "-o", workDirectory.appendingPathComponent("no/such/dir/r.txt").path])
        XCTAssertEqual(unwritable.status, 73, unwritable.stderr)
        XCTAssertTrue(unwritable.stderr.contains("cannot write the report to "), unwritable.stderr)
    }
}
