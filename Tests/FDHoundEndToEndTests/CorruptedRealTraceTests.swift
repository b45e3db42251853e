// Corrupt real traces never crash the analyzer. The unit tests fuzz synthetic traces; this takes traces the
// real shim wrote — a CPython process (interpreter code table, line tables, Python frames) and a fork/exec
// tree — flips bits in the bytes that hold data and truncates them, and requires each result either to
// be reported (in every format) or refused with an error, in-process, never a crash or a hang.
import FDHoundCore
import FDHoundTestSupport
import Foundation
import XCTest

final class CorruptedRealTraceTests: XCTestCase {
    /// Small tables, so each mutated copy is about a megabyte.
    private let smallTrace = ["FDHOUND_EVENT_CAPACITY": "2048", "FDHOUND_STACK_NODES": "8192",
                              "FDHOUND_STRING_BYTES": "262144", "FDHOUND_MAX_FDS": "256", "FDHOUND_PY_CODES": "512"]

    private func traces(of command: [String], in directory: URL) throws -> [URL] {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(smallTrace) { $1 }
        let traces = directory.appendingPathComponent("traces")
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces.path, "--"] + command, environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try FileManager.default.contentsOfDirectory(at: traces, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "trace" }
    }

    private func mutateAndReport(_ original: URL, seed: UInt64, rounds: Int, in directory: URL) throws {
        let bytes = try [UInt8](Data(contentsOf: original))
        let dataPositions = bytes.indices.filter { bytes[$0] != 0 } // flip what the writer wrote, not the holes
        XCTAssertFalse(dataPositions.isEmpty)
        var random = SeededGenerator(state: seed)
        let target = directory.appendingPathComponent("mutated.trace")
        var refused = 0, reported = 0
        var options = ReportOptions()
        options.symbolizer = NullSymbolizer()
        for round in 0..<rounds {
            var copy = bytes
            if round % 10 == 9 {
                copy.removeLast(Int.random(in: 1..<copy.count, using: &random)) // truncated
            } else {
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    let position = dataPositions[Int.random(in: 0..<dataPositions.count, using: &random)]
                    copy[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
                }
            }
            try Data(copy).write(to: target)
            do {
                let report = try ReportBuilder.build(tracePath: target.path, options: options)
                for format in ReportFormat.allCases { _ = ReportRenderer.render(report, as: format) }
                reported += 1
            } catch {
                XCTAssertTrue("\(error)".contains(target.path), "the error names the file: \(error)")
                refused += 1
            }
        }
        XCTAssertEqual(reported + refused, rounds)
    }

    func testCorruptedPythonTracesAreReportedOrRefusedNeverCrash() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no \(python)") }
        let directory = try FDHoundCLI.temporaryDirectory("corrupt-python")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = FixtureProgram.fixturesDirectory.deletingLastPathComponent()
            .appendingPathComponent("python/leak_python_paths.py").path
        let work = directory.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let found = try traces(of: [python, script, work.path, "os_exit"], in: directory)
        let withPython = try XCTUnwrap(found.first { url in
            (try? TraceFile(path: url.path))?.pythonCodes.isEmpty == false
        }, "a trace with interpreter code objects")
        try mutateAndReport(withPython, seed: 0xF00D, rounds: 300, in: directory)
    }

    func testCorruptedProcessTreeTracesAreReportedOrRefusedNeverCrash() throws {
        let directory = try FDHoundCLI.temporaryDirectory("corrupt-tree")
        defer { try? FileManager.default.removeItem(at: directory) }
        let program = try FixtureProgram.build("process_tree", in: directory, extraFlags: ["-pthread"])
        for (index, trace) in try traces(of: [program.binaryPath], in: directory).prefix(3).enumerated() {
            try mutateAndReport(trace, seed: 0xBEEF &+ UInt64(index), rounds: 100, in: directory)
        }
    }
}
