// The text report on a real terminal (script(1) gives fdhound a pseudo-terminal): coloured there, plain
// with NO_COLOR set and when piped, and fitted to the width COLUMNS gives; the piped report is the same
// text without the colour.
import Foundation
import XCTest

final class TerminalReportTests: XCTestCase {
    func testColourOnlyOnATerminalAndTheWidthIsKept() throws {
        let workDirectory = try FDHoundCLI.temporaryDirectory("terminal")
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath]).status, 0)
        let command = "'\(FDHoundCLI.executable)' report '\(traces)'"
        func onTerminal(_ environment: [String: String]) throws -> String {
            var merged = ProcessInfo.processInfo.environment
            merged.removeValue(forKey: "NO_COLOR")
            merged.merge(environment) { $1 }
            let result = try Command.run(["/usr/bin/script", "-q", "-e", "-c", command, "/dev/null"], environment: merged)
            XCTAssertEqual(result.status, 0, result.stderr)
            return result.stdout.replacingOccurrences(of: "\r\n", with: "\n")
        }
        let piped = try FDHoundCLI.run(["report", traces])
        XCTAssertFalse(piped.stdout.contains("\u{1B}"), "piped: plain")
        XCTAssertTrue(piped.stdout.contains("leak_cache_files"), piped.stdout)

        let coloured = try onTerminal(["TERM": "xterm", "COLUMNS": "300"])
        XCTAssertTrue(coloured.contains("\u{1B}[1;31m#1  1000 × file  opened by open in leak_cache_files"), coloured)
        let stripped = coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        XCTAssertEqual(stripped, piped.stdout, "the same text, coloured")

        let noColour = try onTerminal(["TERM": "xterm", "NO_COLOR": "1", "COLUMNS": "300"])
        XCTAssertFalse(noColour.contains("\u{1B}["), "NO_COLOR: \(noColour)")

        let narrow = try onTerminal(["TERM": "xterm", "NO_COLOR": "1", "COLUMNS": "60"])
        let lines = narrow.split(separator: "\n")
        XCTAssertTrue(lines.allSatisfy { $0.count <= 60 }, narrow)
        XCTAssertGreaterThan(lines.count, piped.stdout.split(separator: "\n").count, "long lines were wrapped")
    }
}
