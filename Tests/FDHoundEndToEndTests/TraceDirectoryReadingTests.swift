// Every command that reads traces or reports (report, diff, check --baseline, live --traces) skips or
// refuses a FIFO, socket, directory or cut-short file named like a trace — it never hangs (each command is
// bounded here: a hang fails the test) and one odd file never makes the run unreadable.
import Foundation
import XCTest

final class TraceDirectoryReadingTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func fdhound(_ arguments: [String]) throws -> CommandResult {
        let result = try Command.run([FDHoundCLI.executable] + arguments, timeout: 60)
        ReportSchemaCheck.check(arguments: arguments, result: result)
        return result
    }

    func testOddFilesNamedLikeTracesAreSkippedByEveryReader() throws {
        let traces = workDirectory.appendingPathComponent("traces")
        XCTAssertEqual(try fdhound(["run", "-q", "-o", traces.path, "--", "/bin/true"]).status, 0)
        XCTAssertEqual(mkfifo(traces.appendingPathComponent("fdhound.1.trace").path, 0o600), 0)
        try Data([0x46, 0x44]).write(to: traces.appendingPathComponent("fdhound.2.trace")) // SIGKILLed at start
        try FileManager.default.createDirectory(at: traces.appendingPathComponent("fdhound.3.trace"),
                                                withIntermediateDirectories: false)

        let report = try fdhound(["report", traces.path])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("fdhound.1.trace: skipped: not a regular file (a FIFO)"), report.stdout)
        XCTAssertTrue(report.stdout.contains("fdhound.2.trace: skipped: only 2 bytes"), report.stdout)
        XCTAssertTrue(report.stdout.contains("fdhound.3.trace: skipped: not a regular file (a directory)"), report.stdout)
        XCTAssertTrue(report.stdout.contains("process "), "the real trace was read: \(report.stdout)")

        let diff = try fdhound(["diff", traces.path, traces.path])
        XCTAssertEqual(diff.status, 0, diff.stderr)

        let fifo = traces.appendingPathComponent("fdhound.1.trace").path
        XCTAssertEqual(try fdhound(["report", fifo]).status, 65, "a FIFO given as the trace")
        let baseline = try fdhound(["check", "--baseline", fifo, "--", "/bin/true"])
        XCTAssertEqual(baseline.status, 64, baseline.stderr)
        XCTAssertTrue(baseline.stderr.contains("not a regular file (a FIFO)"), baseline.stderr)
        let diffFIFO = workDirectory.appendingPathComponent("old.json").path
        XCTAssertEqual(mkfifo(diffFIFO, 0o600), 0)
        XCTAssertEqual(try fdhound(["diff", diffFIFO, traces.path]).status, 65)

        // Nothing readable at all: still a clear error.
        try FileManager.default.removeItem(at: traces)
        try FileManager.default.createDirectory(at: traces, withIntermediateDirectories: false)
        XCTAssertEqual(mkfifo(traces.appendingPathComponent("fdhound.1.trace").path, 0o600), 0)
        let none = try fdhound(["report", traces.path])
        XCTAssertEqual(none.status, 65)
        XCTAssertTrue(none.stderr.contains("no readable fdhound traces in \(traces.path) (skipped fdhound.1.trace: not a regular file (a FIFO)"),
                      none.stderr)
    }

    func testAnExecutableFIFOGivenAsTheCommandIsRefused() throws {
        let fifo = workDirectory.appendingPathComponent("server").path
        XCTAssertEqual(mkfifo(fifo, 0o700), 0)
        let run = try fdhound(["run", "-o", workDirectory.appendingPathComponent("t").path, "--", fifo])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("not a regular file (a FIFO)"), run.stderr)
    }

    func testLiveIgnoresAFIFONamedLikeTheProcesssTrace() throws {
        let traces = workDirectory.appendingPathComponent("traces")
        try FileManager.default.createDirectory(at: traces, withIntermediateDirectories: false)
        let pid = getpid() // this test process: running, and not traced
        XCTAssertEqual(mkfifo(traces.appendingPathComponent("fdhound.\(pid).trace").path, 0o600), 0)
        let live = try fdhound(["live", String(pid), "--traces", traces.path, "--once"])
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertTrue(live.stdout.contains("Not running under fdhound"), live.stdout)
    }
}
