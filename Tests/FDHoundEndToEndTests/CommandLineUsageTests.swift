// The command line keeps its promises: --help of every subcommand exits 0, and numbers the shim would
// refuse (it then runs the program untraced) are a usage error (64) before anything runs.
import Foundation
import XCTest

final class CommandLineUsageTests: XCTestCase {
    /// The subcommands `fdhound --help` lists, so a new one is covered without editing this test.
    private func subcommands() throws -> [String] {
        let help = try FDHoundCLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        let section = try XCTUnwrap(help.stdout.components(separatedBy: "SUBCOMMANDS:").last)
        return section.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil } // names sit at two spaces
            return line.split(separator: " ").first.map(String.init)
        }.filter { $0 != "See" }
    }

    func testHelpOfEverySubcommandExitsZero() throws {
        let names = try subcommands()
        XCTAssertTrue(Set(["run", "report", "check", "live", "diff", "demo"]).isSubset(of: names), "\(names)")
        for name in names {
            for flag in ["--help", "-h"] {
                let result = try FDHoundCLI.run([name, flag])
                XCTAssertEqual(result.status, 0, "fdhound \(name) \(flag): \(result.stderr)")
                XCTAssertTrue(result.stdout.contains("USAGE: fdhound \(name)"), "fdhound \(name) \(flag): \(result.stdout)")
            }
        }
    }

    func testHelpAfterTheSeparatorBelongsToTheCommand() throws {
        let result = try FDHoundCLI.run(["run", "-q", "-o", try scratch().path, "--", "/bin/sh", "-c", "printf '%s\\n' \"$0\"", "--help"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "--help\n")
    }

    func testNumbersOutsideTheShimsLimitsAreUsageErrorsAndNothingRuns() throws {
        let directory = try scratch()
        let marker = directory.appendingPathComponent("ran")
        let command = ["--", "/usr/bin/touch", marker.path]
        let output = ["-o", directory.appendingPathComponent("traces").path]
        for options in [["--events", "67108865"], ["--events", "99999999999"], ["--events", "15"],
                        ["--depth", "0"], ["--depth", "129"]] {
            let result = try FDHoundCLI.run(["run"] + output + options + command)
            XCTAssertEqual(result.status, 64, "\(options): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("the shim's limits"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "\(options): the command ran")
        }
        for (variable, value) in [("FDHOUND_STACK_NODES", "5"), ("FDHOUND_MAX_FDS", "x"), ("FDHOUND_STRING_BYTES", ""),
                                  ("FDHOUND_PY_CODES", "\u{1B}]0;title\u{07}")] {
            var environment = ProcessInfo.processInfo.environment
            environment[variable] = value
            for subcommand in ["run", "check"] {
                let result = try FDHoundCLI.run([subcommand] + output + command, environment: environment)
                XCTAssertEqual(result.status, 64, "\(subcommand) \(variable)=\(value): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains(variable), result.stderr)
                XCTAssertFalse(result.stderr.contains("\u{1B}"), "the value is shown escaped: \(result.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "\(variable): the command ran")
            }
        }
        // The limits themselves are accepted, and the program is really traced.
        let traces = directory.appendingPathComponent("edge")
        let edge = try FDHoundCLI.run(["run", "-q", "-o", traces.path, "--events", "16", "--depth", "128"] + command)
        XCTAssertEqual(edge.status, 0, edge.stderr)
        XCTAssertFalse(edge.stderr.contains("tracing disabled"), edge.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker.path))
        let report = try FDHoundCLI.jsonReport(traces.path)
        XCTAssertEqual((report["processes"] as? [Any])?.count, 1)
    }

    private func scratch() throws -> URL {
        let url = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
