// `fdhound check DIR|FILE`: the CI gate on the traces of an earlier run, with the same baseline, scope and
// exit-code semantics as `check -- cmd` — 1 on new findings, 0 when they are known or out of scope (there
// is no command status), 65 on an unreadable trace, 64 on a bad baseline or -o.
import Foundation
import XCTest

final class CheckTracesTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Runs the thousand-files fixture under `fdhound run -o`; returns the directory and its one trace.
    private func leakyRun() throws -> (directory: String, file: String) {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: traces).filter { $0.hasSuffix(".trace") }
        XCTAssertEqual(files.count, 1, "one process, one trace: \(files)")
        let file = "\(traces)/\(try XCTUnwrap(files.first))"
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        XCTAssertGreaterThan(size, 4096, "the shim recorded a trace")
        return (traces, file)
    }

    func testNewLeaksInATraceDirectoryOrFileFail() throws {
        let run = try leakyRun()
        for path in [run.directory, run.file] {
            let result = try FDHoundCLI.run(["check", "--format", "json", path])
            XCTAssertEqual(result.status, 1, "\(path): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("check failed: 2 new findings"), result.stderr)
            XCTAssertTrue(result.stderr.contains("1000 × leak file in leak_cache_files at leak_thousand_files.c:"), result.stderr)
            let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let leaks = report["leaks"] as? [[String: Any]] ?? []
            XCTAssertEqual(leaks.count, 2, "the report of the traces is printed")
            // Each new finding is named with the fingerprint the JSON gives it (what baselines match by).
            for leak in leaks {
                let fingerprint = try XCTUnwrap(leak["fingerprint"] as? String)
                XCTAssertEqual(fingerprint.count, 16)
                XCTAssertTrue(result.stderr.contains("[\(fingerprint)]"), "\(fingerprint) in \(result.stderr)")
            }
        }
    }

    func testKnownLeaksPassWithStatusZeroAndOthersFail() throws {
        let run = try leakyRun()
        let baseline = workDirectory.appendingPathComponent("baseline.json")
        try Data(try FDHoundCLI.run(["report", run.directory, "--format", "json"]).stdout.utf8).write(to: baseline)
        let known = try FDHoundCLI.run(["check", "--baseline", baseline.path, run.directory])
        XCTAssertEqual(known.status, 0, known.stderr)
        XCTAssertTrue(known.stderr.contains("check passed: no new descriptor leaks (2 known from the baseline)"), known.stderr)

        // A baseline of another run (one leak only) knows one of the two code paths.
        let other = try FixtureProgram.build("hold_files_until_killed", in: workDirectory)
        let otherTraces = workDirectory.appendingPathComponent("other").path
        _ = try FDHoundCLI.run(["run", "-q", "-o", otherTraces, "--", "/usr/bin/timeout", "-s", "TERM", "1", other.binaryPath])
        let otherBaseline = workDirectory.appendingPathComponent("other.json")
        try Data(try FDHoundCLI.run(["report", otherTraces, "--format", "json"]).stdout.utf8).write(to: otherBaseline)
        let fresh = try FDHoundCLI.run(["check", "--baseline", otherBaseline.path, run.directory])
        XCTAssertEqual(fresh.status, 1, fresh.stderr)
        XCTAssertTrue(fresh.stderr.contains("not in the baseline"), fresh.stderr)
    }

    func testScopeOutsideTheCulpritsPasses() throws {
        let run = try leakyRun()
        let outside = try FDHoundCLI.run(["check", "--scope", "/nonexistent/src", run.directory])
        XCTAssertEqual(outside.status, 0, "no finding in scope: \(outside.stderr)")
        let inside = try FDHoundCLI.run(["check", "--scope", workDirectory.path, run.directory])
        XCTAssertEqual(inside.status, 1, inside.stderr)
    }

    func testUnreadableTracesAndMisuseHaveTheirOwnStatus() throws {
        let corrupt = workDirectory.appendingPathComponent("fdhound.1.trace")
        try Data("FDHTRACE but nothing after it that a trace needs".utf8).write(to: corrupt)
        let unreadable = try FDHoundCLI.run(["check", corrupt.path])
        XCTAssertEqual(unreadable.status, 65, unreadable.stderr)

        let empty = workDirectory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try FDHoundCLI.run(["check", empty.path]).status, 65, "a directory without traces")

        let withOutput = try FDHoundCLI.run(["check", "-o", workDirectory.appendingPathComponent("x").path, empty.path])
        XCTAssertEqual(withOutput.status, 64, withOutput.stderr)
        let optionsAfter = try FDHoundCLI.run(["check", empty.path, "--format", "json"])
        XCTAssertEqual(optionsAfter.status, 64, optionsAfter.stderr)
        XCTAssertTrue(optionsAfter.stderr.contains("Put the options before the traces"), optionsAfter.stderr)

        // After --, a directory is the command (and cannot be run): never read as traces.
        let asCommand = try FDHoundCLI.run(["check", "--", empty.path])
        XCTAssertNotEqual(asCommand.status, 65, asCommand.stderr)
        XCTAssertNotEqual(asCommand.status, 0, asCommand.stderr)
    }
}

extension CheckTracesTests {
    /// Under GitHub Actions (GITHUB_ACTIONS=true) each new finding is an `::error` workflow command at the
    /// culprit's line, the file relative to GITHUB_WORKSPACE, escaped as the runner wants; `--annotations
    /// none` turns them off, `--annotations github` on anywhere. `--report-file` writes the report.
    func testNewFindingsAreGitHubAnnotationsAtTheirLine() throws {
        let run = try leakyRun()
        let root = FixtureProgram.repositoryRoot.path
        var environment = ProcessInfo.processInfo.environment
        environment["GITHUB_ACTIONS"] = "true"
        environment["GITHUB_WORKSPACE"] = root
        let reportFile = workDirectory.appendingPathComponent("report.md").path
        let result = try FDHoundCLI.run(["check", "--format", "markdown", "--report-file", reportFile, run.directory],
                                        environment: environment)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stdout, "", "the report went to --report-file")
        XCTAssertTrue(try String(contentsOfFile: reportFile, encoding: .utf8).hasPrefix("## fdhound report"))
        let source = "Tests/Fixtures/programs/leak_thousand_files.c"
        let line = try String(contentsOfFile: root + "/" + source, encoding: .utf8).components(separatedBy: "\n")
            .firstIndex { $0.contains("MARK:leak_cache_files") }.map { $0 + 1 }
        let annotations = result.stderr.split(separator: "\n").filter { $0.hasPrefix("::error ") }
        XCTAssertEqual(annotations.count, 2, result.stderr)
        let first = try XCTUnwrap(annotations.first)
        XCTAssertTrue(first.hasPrefix("::error file=\(source),line=\(try XCTUnwrap(line)),title=fdhound%3A descriptor leak (L1)::"
            + "1000 × file left open, opened by open in leak_cache_files at leak_thousand_files.c:"), String(first))
        XCTAssertTrue(first.contains("%0A") && !first.contains("\r"), "the stack on later lines of one command")

        let off = try FDHoundCLI.run(["check", "--annotations", "none", run.directory], environment: environment)
        XCTAssertEqual(off.status, 1, off.stderr)
        XCTAssertFalse(off.stderr.contains("::error"), off.stderr)
        let on = try FDHoundCLI.run(["check", "--annotations", "github", run.directory])
        XCTAssertEqual(on.stderr.split(separator: "\n").filter { $0.hasPrefix("::error file=/") }.count, 2,
                       "outside a workspace the path stays absolute: \(on.stderr)")
    }

    func testSuppressionsDecideTheExitCodeAndAreCountedInTheReport() throws {
        let run = try leakyRun()
        func file(_ name: String, _ text: String) throws -> String {
            let url = workDirectory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        let cache = try file("cache.supp", "{\n   cache-files\n   section: leak\n   ...\n   fun:leak_cache_files\n}\n")
        let partly = try FDHoundCLI.run(["check", "--suppressions", cache, "--format", "json", run.directory])
        XCTAssertEqual(partly.status, 1, partly.stderr)
        XCTAssertTrue(partly.stderr.contains("check failed: 1 new finding"), partly.stderr)
        XCTAssertFalse(partly.stderr.contains("leak_cache_files"), partly.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(partly.stdout.utf8)) as? [String: Any])
        let uses = report["suppressions"] as? [[String: Any]] ?? []
        XCTAssertEqual(uses.map { $0["name"] as? String }, ["cache-files"])
        XCTAssertEqual(uses.first?["findings"] as? Int, 1)
        XCTAssertEqual(uses.first?["descriptors"] as? Int, 1000)
        XCTAssertEqual(uses.first?["line"] as? Int, 1)

        // Entries generated from the report suppress every finding: the check passes, with --strict too.
        let generated = try FDHoundCLI.run(["report", "--gen-suppressions", run.directory])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let all = try file("all.supp", generated.stdout + "{\n   stale\n   ...\n   fun:no_such_function\n}\n")
        for strict in [false, true] {
            let passes = try FDHoundCLI.run(["check"] + (strict ? ["--strict"] : []) + ["--suppressions", all, run.file])
            XCTAssertEqual(passes.status, 0, passes.stderr)
        }
        let text = try FDHoundCLI.run(["report", "--suppressions", all, run.directory])
        XCTAssertTrue(text.stdout.contains("stale (\(all):"), text.stdout)
        XCTAssertTrue(text.stdout.contains("suppression 'stale' (\(all):"), "an unused entry is a warning: \(text.stdout)")

        let bad = try file("bad.supp", "{\n   no-frames\n   ...\n}\n")
        let refused = try FDHoundCLI.run(["check", "--suppressions", bad, run.directory])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("suppressions \(bad):4: entry 'no-frames' would match everything"), refused.stderr)
    }
}
