// `fdhound check`, the CI gate: fails (exit 1) on leaks a baseline does not know, passes known ones, and
// otherwise exits with the command's own status.
import Foundation
import XCTest

final class CheckCommandTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    func testNewLeaksFailTheCheckAndAreNamed() throws {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let result = try FDHoundCLI.run(["check", "--", program.binaryPath])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("check failed: 2 new findings"), result.stderr)
        XCTAssertTrue(result.stderr.contains("1000 × leak file in leak_cache_files at leak_thousand_files.c:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("100 × leak inet-socket in leak_probe_sockets"), result.stderr)
        XCTAssertTrue(result.stdout.contains("fdhound report —"), "the report is printed for the CI log")
    }

    func testLeaksKnownFromTheBaselinePassAndTheCommandsStatusIsKept() throws {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath]).status, 0)
        let json = try FDHoundCLI.run(["report", traces, "--format", "json"])
        let baseline = workDirectory.appendingPathComponent("baseline.json")
        try Data(json.stdout.utf8).write(to: baseline)

        let known = try FDHoundCLI.run(["check", "--baseline", baseline.path, "--", program.binaryPath])
        XCTAssertEqual(known.status, 0, known.stderr)
        XCTAssertTrue(known.stderr.contains("check passed: no new descriptor leaks (2 known from the baseline)"), known.stderr)

        // A different leak is new even with the baseline (--strict: it holds what it opened once until killed).
        let other = try FixtureProgram.build("hold_files_until_killed", in: workDirectory)
        let fresh = try FDHoundCLI.run(["check", "--strict", "--baseline", baseline.path, "--", "/usr/bin/timeout", "-s", "TERM",
                                        "1", other.binaryPath])
        XCTAssertEqual(fresh.status, 1, fresh.stderr)
        XCTAssertTrue(fresh.stderr.contains("not in the baseline"), fresh.stderr)
    }

    func testScopeLimitsTheCheckToOnesOwnCode() throws {
        // A test suite runs through a shell; bash keeps its script open until it exits — a descriptor
        // left open at exit, but not the code under test.
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let script = workDirectory.appendingPathComponent("suite.sh")
        try Data("\(program.binaryPath)\necho suite done\n".utf8).write(to: script)
        // bash's descriptor is opened once and held (pattern once): only --strict counts it.
        let strict = try FDHoundCLI.run(["check", "--strict", "--", "/bin/bash", script.path])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("check failed: 3 new findings"), strict.stderr)
        let unscoped = try FDHoundCLI.run(["check", "--", "/bin/bash", script.path])
        XCTAssertEqual(unscoped.status, 1)
        XCTAssertTrue(unscoped.stderr.contains("check failed: 2 new findings"), unscoped.stderr)

        let scoped = try FDHoundCLI.run(["check", "--scope", workDirectory.path, "--", "/bin/bash", script.path])
        XCTAssertEqual(scoped.status, 1, scoped.stderr)
        XCTAssertTrue(scoped.stderr.contains("check failed: 2 new findings"), "only the program's own: \(scoped.stderr)")
        XCTAssertTrue(scoped.stderr.contains("leak_cache_files"), scoped.stderr)

        let clean = workDirectory.appendingPathComponent("clean.sh")
        try Data("echo nothing to leak\n".utf8).write(to: clean)
        let passes = try FDHoundCLI.run(["check", "--scope", workDirectory.path, "--", "/bin/bash", clean.path])
        XCTAssertEqual(passes.status, 0, passes.stderr)
    }

    func testACleanCommandPassesWithItsOwnStatus() throws {
        let result = try FDHoundCLI.run(["check", "--", "/bin/sh", "-c", "exit 4"])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertTrue(result.stderr.contains("check passed"), result.stderr)
    }

    func testAnUnreadableBaselineIsAUsageError() throws {
        let bogus = workDirectory.appendingPathComponent("baseline.json")
        try Data("[1, 2, 3]".utf8).write(to: bogus)
        let result = try FDHoundCLI.run(["check", "--baseline", bogus.path, "--", "/bin/true"])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("baseline \(bogus.path): not an fdhound JSON report"), result.stderr)
    }
}
