// Names a program chooses reach fdhound's output: files and unix sockets named with terminal escapes, CR,
// backspace, a bidi override, a newline + markdown heading, table pipes and bytes that are not UTF-8, and
// argv holding the same. Text, markdown and live output must carry no raw control character and show each
// escape; JSON must give back the exact bytes (\udcNN for non-UTF-8 bytes, Python's surrogateescape).
import Foundation
import XCTest

final class HostileNamesTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory("hostile")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// The names the fixture creates, as bytes, and how text output must show them.
    private let names: [(bytes: [UInt8], shown: String)] = [
        (Array("esc\u{1B}[31mred".utf8), "esc\\x1b[31mred"),
        (Array("osc\u{1B}]0;pwned\u{07}".utf8), "osc\\x1b]0;pwned\\x07"),
        (Array("cr\rforged line".utf8), "cr\\rforged line"),
        (Array("bidi\u{202E}txt.exe".utf8), "bidi\\u{202E}txt.exe"),
        (Array("nl\n# heading | cell `tick`".utf8), "nl\\n# heading"),
        (Array("bad".utf8) + [0xFF, 0xFE] + Array("utf8".utf8), "bad\\xff\\xfeutf8"),
        (Array("bs\u{8}\u{8}x".utf8), "bs\\x08\\x08x"),
        (Array("s\u{1B}[2J".utf8), "s\\x1b[2J"),
        (Array("s\n# sock".utf8) + [0xFF], "s\\n# sock\\xff"),
    ]

    /// Raw control characters (newline aside), C1 controls, format characters (bidi), replacement characters.
    private func rawControls(_ text: String) -> [UInt32] {
        text.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0 == "\u{FFFD}"
                || $0.properties.generalCategory == .format
        }.map(\.value)
    }

    func testReportsShowEscapesAndJSONKeepsTheBytes() throws {
        let program = try FixtureProgram.build("leak_hostile_names", in: workDirectory)
        let names = workDirectory.appendingPathComponent("n")
        try FileManager.default.createDirectory(at: names, withIntermediateDirectories: false)
        let traces = workDirectory.appendingPathComponent("traces").path
        // argv with bytes no Swift String can hold: the shell builds them and execs the fixture.
        let script = #"exec "$0" "$(printf 'bad\377arg')" "--t=$(printf '\033]0;argv\007')" "$(printf 'two\nlines')" "$1""#
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", "/bin/sh", "-c", script, program.binaryPath, names.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(rawControls(run.stderr), [], "run's summary: \(run.stderr)")

        for format in ["text", "markdown"] {
            let report = try FDHoundCLI.run(["report", traces, "--format", format, "--max-frames", "3"])
            XCTAssertEqual(report.status, 0, report.stderr)
            XCTAssertEqual(rawControls(report.stdout), [], "\(format): \(report.stdout)")
            for name in self.names {
                XCTAssertTrue(report.stdout.contains(name.shown), "\(format) lacks \(name.shown): \(report.stdout)")
            }
            XCTAssertTrue(report.stdout.contains("bad\\xffarg --t=\\x1b]0;argv\\x07 two\\nlines"),
                          "\(format): argv: \(report.stdout)")
            let lines = report.stdout.split(separator: "\n")
            XCTAssertFalse(lines.contains { $0.hasPrefix("# heading") || $0.hasPrefix("# sock") || $0.hasPrefix("lines") },
                           "\(format): a name started a line")
        }

        // JSON: the exact bytes, checked by Python (json + surrogateescape), which reads \udcNN as PEP 383 says.
        let json = try FDHoundCLI.run(["report", traces, "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let jsonFile = workDirectory.appendingPathComponent("report.json")
        try Data(json.stdout.utf8).write(to: jsonFile)
        let python = """
            import json, sys
            report = json.load(open(sys.argv[1]))
            raw = lambda s: s.encode("utf-8", "surrogateescape").hex()
            for leak in report["leaks"]:
                for sample in leak["samples"]: print("sample", raw(sample))
            for process in report["processes"]:
                print("argv", " ".join(raw(a) for a in process.get("argv", [])))
            """
        let decoded = try Command.run(["python3", "-c", python, jsonFile.path])
        XCTAssertEqual(decoded.status, 0, decoded.stderr)
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        for name in self.names {
            let path = Array(names.path.utf8) + [0x2F] + name.bytes
            XCTAssertTrue(decoded.stdout.contains("sample \(hex(path))"), "JSON lacks the exact bytes of \(name.shown): \(decoded.stdout)")
        }
        let argv = [Array("bad".utf8) + [0xFF] + Array("arg".utf8), Array("--t=\u{1B}]0;argv\u{07}".utf8),
                    Array("two\nlines".utf8), Array(names.path.utf8)]
        XCTAssertTrue(decoded.stdout.contains(" " + argv.map(hex).joined(separator: " ") + "\n"), "argv bytes: \(decoded.stdout)")
        // A JSON report holding such bytes is a usable baseline and diff input.
        let diff = try FDHoundCLI.run(["diff", jsonFile.path, traces])
        XCTAssertEqual(diff.status, 0, diff.stderr)
        XCTAssertEqual(rawControls(diff.stdout), [], diff.stdout)
    }

    func testLiveShowsEscapes() throws {
        let program = try FixtureProgram.build("leak_hostile_names", in: workDirectory)
        let names = workDirectory.appendingPathComponent("n")
        try FileManager.default.createDirectory(at: names, withIntermediateDirectories: false)
        let traces = workDirectory.appendingPathComponent("traces")
        let held = try HeldProcess(program, tracesIn: traces,
                                   arguments: ["--t=\u{1B}]0;argv\u{07}", "two\nlines\u{202E}", names.path, "hold"])
        defer { held.kill(SIGKILL) }
        XCTAssertEqual(held.firstOutput, "holding\n")
        let live = try FDHoundCLI.run(["live", String(held.pid), "--traces", traces.path, "--once"])
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertEqual(rawControls(live.stdout), [], live.stdout)
        XCTAssertTrue(live.stdout.contains("--t=\\x1b]0;argv\\x07 two\\nlines\\u{202E} "), live.stdout)
        XCTAssertTrue(live.stdout.contains("leak_hostile_file"), "the trace was read: \(live.stdout)")
    }
}
