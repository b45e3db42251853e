// End to end: the real shim preloaded into real C programs by `fdhound run`, asserting on what
// `fdhound report --format json` names: helper, exact count, kind and file:line of the opening call.
import Foundation
import XCTest

final class NativeLeakTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func traceAndReport(_ program: FixtureProgram) throws -> [String: Any] {
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, "fdhound run failed: \(run.stderr)")
        return try FDHoundCLI.jsonReport(traces)
    }

    func testEachFamilyLeakIsGroupedUnderItsHelperWithExactCountAndLine() throws {
        let program = try FixtureProgram.build("leak_each_kind", in: workDirectory)
        let report = try traceAndReport(program)
        XCTAssertEqual(report["schemaVersion"] as? Int, 1)
        let leaks = LeakView.all(in: report)

        // helper → (descriptors leaked, kind)
        let expected: [String: (Int, String)] = [
            "leak_file_via_open": (3, "file"),
            "leak_socket": (4, "inet-socket"),
            "leak_pipe": (10, "pipe"),          // 5 pipes, both ends
            "leak_dup": (6, "file"),            // copies of a file descriptor
            "leak_stdio_file": (7, "file"),
            "leak_directory": (8, "directory"),
        ]
        for (helper, (count, kind)) in expected {
            let matching = leaks.filter { $0.culpritFunction == helper }
            XCTAssertEqual(matching.count, 1, "\(helper): expected one group, got \(matching.map(\.raw))")
            guard let leak = matching.first else { continue }
            XCTAssertEqual(leak.count, count, "\(helper) count")
            XCTAssertEqual(leak.kind, kind, "\(helper) kind")
            XCTAssertTrue(leak.culpritFile.hasSuffix("leak_each_kind.c"), "\(helper) file: \(leak.culpritFile)")
            XCTAssertEqual(leak.culpritLine, try program.line(ofMark: helper), "\(helper) line")
            XCTAssertTrue(leak.stackFunctions.contains("main"), "\(helper) stack reaches main: \(leak.stackFunctions)")
        }
        // Correct twins are never blamed, anywhere in any leak's stack.
        let blamed = Set(leaks.flatMap(\.stackFunctions))
        for twin in ["close_file_via_open", "close_socket", "close_pipe", "close_dup", "close_stdio_file",
                     "close_directory"] {
            XCTAssertFalse(blamed.contains(twin), "\(twin) closes correctly but was blamed")
        }
        XCTAssertEqual(leaks.count, expected.count, "unexpected extra groups: \(leaks.map(\.culpritFunction))")
    }

    /// A leak in a signal handler: the stack shows the handler, the frame between the handler and what it
    /// interrupted, and the interrupted instruction's own line (an exact pc: ip − 1 would name the line
    /// before the ud2), then main.
    func testLeakInASignalHandlerShowsWhereTheSignalInterruptedTheProgram() throws {
        let program = try FixtureProgram.build("leak_in_signal_handler", in: workDirectory)
        let report = try traceAndReport(program)
        let leaks = LeakView.all(in: report)
        XCTAssertEqual(leaks.count, 1, "\(leaks.map(\.raw))")
        guard let leak = leaks.first else { return }
        XCTAssertEqual(leak.count, 3)
        XCTAssertEqual(leak.culpritFunction, "on_ill")
        XCTAssertEqual(leak.culpritLine, try program.line(ofMark: "on_ill"))
        XCTAssertEqual(Array(leak.stackFunctions.prefix(4)), ["on_ill", "<signal handler called>", "trip", "main"],
                       "\(leak.stack)")
        let trip = leak.stack.first { $0["function"] as? String == "trip" }
        XCTAssertEqual(trip?["line"] as? Int, try program.line(ofMark: "trip"), "the interrupted instruction's line")
    }

    func testThousandFilesAndHundredSocketsGiveExactlyTwoGroups() throws {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let report = try traceAndReport(program)
        let leaks = LeakView.all(in: report)
        XCTAssertEqual(leaks.count, 2, "groups: \(leaks.map { "\($0.culpritFunction)×\($0.count)" })")
        guard leaks.count == 2 else { return }
        // Ranked most severe first.
        XCTAssertEqual(leaks[0].culpritFunction, "leak_cache_files")
        XCTAssertEqual(leaks[0].count, 1000)
        XCTAssertEqual(leaks[0].kind, "file")
        XCTAssertEqual(leaks[0].culpritLine, try program.line(ofMark: "leak_cache_files"))
        XCTAssertEqual(leaks[1].culpritFunction, "leak_probe_sockets")
        XCTAssertEqual(leaks[1].count, 100)
        XCTAssertEqual(leaks[1].kind, "inet-socket")
        XCTAssertEqual(leaks[1].culpritLine, try program.line(ofMark: "leak_probe_sockets"))
        XCTAssertFalse(leaks.flatMap(\.stackFunctions).contains("churn_open_close"))
    }

    func testTextReportNamesHelperCountAndLine() throws {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath]).status, 0)
        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertEqual(text.status, 0, text.stderr)
        let line = try program.line(ofMark: "leak_cache_files")
        XCTAssertTrue(text.stdout.contains("leak_cache_files"), text.stdout)
        XCTAssertTrue(text.stdout.contains("1000"), text.stdout)
        XCTAssertTrue(text.stdout.contains("leak_thousand_files.c:\(line)"), text.stdout)
        let markdown = try FDHoundCLI.run(["report", traces, "--format", "markdown"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        XCTAssertTrue(markdown.stdout.contains("leak_probe_sockets"), markdown.stdout)
        XCTAssertTrue(markdown.stdout.contains("```"), "markdown has a code block for the stack")
    }

    func testProgramKilledWithSIGKILLLeavesAnAnalyzableTrace() throws {
        let program = try FixtureProgram.build("hold_files_until_killed", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces")
        let held = try HeldProcess(program, tracesIn: traces)
        XCTAssertEqual(held.firstOutput, "holding\n")
        held.kill(SIGKILL)
        XCTAssertEqual(held.process.terminationReason, .uncaughtSignal)

        let report = try FDHoundCLI.jsonReport(traces.path)
        let leaks = LeakView.all(in: report)
        XCTAssertEqual(leaks.count, 1, "\(leaks.map(\.raw))")
        XCTAssertEqual(leaks.first?.culpritFunction, "hold_files_until_killed")
        XCTAssertEqual(leaks.first?.count, 3)
        XCTAssertEqual(leaks.first?.culpritLine, try program.line(ofMark: "hold_files_until_killed"))
    }

    func testRunExitsWithTheCommandsStatus() throws {
        let traces = workDirectory.appendingPathComponent("traces").path
        let result = try FDHoundCLI.run(["run", "-o", traces, "--", "/bin/sh", "-c", "exit 7"])
        XCTAssertEqual(result.status, 7, result.stderr)
        XCTAssertTrue(result.stderr.contains("fdhound:"), "a summary line on stderr: \(result.stderr)")
    }

    func testQuietRunPrintsNoSummary() throws {
        let traces = workDirectory.appendingPathComponent("traces").path
        let result = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", "/bin/sh", "-c", "exit 3"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertFalse(result.stderr.contains("fdhound:"), "no summary with -q: \(result.stderr)")
    }

    func testAMisspelledOptionIsAnErrorNotACommand() throws {
        let result = try FDHoundCLI.run(["run", "--depht", "8", "--", "/bin/true"])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("Unknown option '--depht'"), result.stderr)
    }

    func testStaticBinaryIsRefusedWithAClearMessage() throws {
        let program: FixtureProgram
        do {
            program = try FixtureProgram.build("hold_files_until_killed", in: workDirectory, extraFlags: ["-static"])
        } catch is XCTSkip {
            throw XCTSkip("no static libc on this machine")
        }
        let result = try FDHoundCLI.run(["run", "-o", workDirectory.appendingPathComponent("t").path,
                                         "--", program.binaryPath])
        XCTAssertEqual(result.status, 69)
        XCTAssertTrue(result.stderr.contains("statically linked"), result.stderr)
    }

    func testUnreadableTraceGivesExitCode65AndNamesTheFile() throws {
        let bogus = workDirectory.appendingPathComponent("fdhound.1.trace")
        try Data("this is not a trace at all".utf8).write(to: bogus)
        let result = try FDHoundCLI.run(["report", bogus.path])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.contains(bogus.path), result.stderr)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
    }
}
