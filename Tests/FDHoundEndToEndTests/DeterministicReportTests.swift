// The same traces give byte-identical reports in every format, run after run (Swift's hashing is seeded
// per process, so any unordered iteration would show), whatever the time zone and locale: no time of the
// analysis run, stable ordering. And `--redact` on a real run leaves no path outside the kept tree.
import Foundation
import XCTest

final class DeterministicReportTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// A run with many processes (fork, exec, threads, misuse, exec leaks) and a chart's worth of churn.
    private func busyRun() throws -> String {
        let tree = try FixtureProgram.build("process_tree", in: workDirectory, extraFlags: ["-pthread"])
        let churn = try FixtureProgram.build("churn_and_leak_slowly", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", "/bin/sh", "-c", "\"$0\" >/dev/null; \"$1\" 5000",
                                      tree.binaryPath, churn.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        return traces
    }

    func testEveryFormatIsByteIdenticalRunAfterRun() throws {
        let traces = try busyRun()
        var other = ProcessInfo.processInfo.environment
        other["TZ"] = "Pacific/Chatham"
        other["LC_ALL"] = "de_DE.UTF-8"
        for format in ["text", "markdown", "json", "sarif", "html", "junit"] {
            let first = try FDHoundCLI.run(["report", traces, "--all", "--format", format])
            let second = try FDHoundCLI.run(["report", traces, "--all", "--format", format], environment: other)
            XCTAssertEqual(first.status, 0, first.stderr)
            XCTAssertGreaterThan(first.stdout.count, 500, format)
            XCTAssertTrue(first.stdout == second.stdout, "\(format) differs between two runs")
        }
        let json = try FDHoundCLI.jsonReport(traces)
        XCTAssertGreaterThan((json["processes"] as? [Any])?.count ?? 0, 5, "many processes")
        XCTAssertGreaterThan((json["leaks"] as? [Any])?.count ?? 0, 2)
        XCTAssertFalse((json["openOverTime"] as? [Any] ?? []).isEmpty, "the chart's series are part of it")
    }

    func testRedactedReportKeepsNoPathOutsideTheKeptTree() throws {
        let traces = try busyRun()
        let root = FixtureProgram.repositoryRoot.path
        for format in ["text", "json", "html"] {
            // --all: every finding in full (a held-once one is otherwise one line, without its stack).
            let result = try FDHoundCLI.run(["report", traces, "--all", "--redact", "--keep-path", root, "--format", format])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertFalse(result.stdout.contains(workDirectory.path), "\(format): the run's directory is redacted")
            XCTAssertFalse(result.stdout.contains(root + "/"), "\(format): kept paths are relative")
            XCTAssertTrue(result.stdout.contains("Tests/Fixtures/programs/churn_and_leak_slowly.c"), "\(format): own sources stay")
            XCTAssertTrue(result.stdout.contains("leak_one_in_a_thousand"), "\(format): code is named")
            XCTAssertTrue(result.stdout.contains("<path-") || result.stdout.contains("&lt;path-"), "\(format): placeholders")
        }
    }
}
