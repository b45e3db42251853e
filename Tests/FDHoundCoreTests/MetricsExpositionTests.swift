// `fdhound metrics`' exposition: hostile names from the traced program (newlines, quotes, backslashes,
// control bytes, bytes that are not UTF-8, bidi overrides) cannot break the Prometheus text format, and the
// code-path series per process are bounded (top N, the rest summed as "(other)").
import CFDHoundTrace
import FDHoundTestSupport
import Foundation
import XCTest
@testable import FDHoundCore

final class MetricsExpositionTests: XCTestCase {
    static let hostile = [
        "evil\n# TYPE process_open_fds counter\nprocess_open_fds{pid=\"1\"} 999",
        "quote\" } 7\nx{a=\"",
        "back\\slash\\",
        "cr\rnul\u{0}esc\u{1B}[31mdel\u{7F}",
        "bidi\u{202E}txt.exe",
        RawBytesText.decode([0x62, 0x61, 0x64, 0xFF, 0xC3, 0x28, 0x00, 0x0A]),
        String(repeating: "long", count: 500),
        "",
    ]

    func testHostileLabelValuesStayInsideTheirQuotes() throws {
        let processes = Self.hostile.enumerated().map { index, name in
            ProcessMetrics(pid: 100 + index, program: name, openDescriptors: 10 + index, maxDescriptors: 1024, traced: true,
                           codePaths: [.init(kind: name, codePath: name + " at x.c:1", open: 5, secondsToExhaustion: 12.5)],
                           descriptorsPerSecond: 0.5, secondsToExhaustion: 2000)
        }
        let bytes = PrometheusExposition.render(processes)
        let text = try XCTUnwrap(String(validating: bytes, as: UTF8.self), "the scrape is valid UTF-8")
        for byte in bytes where byte < 0x20 { XCTAssertEqual(byte, 0x0A, "only newlines end lines; no raw control byte") }
        let samples = try ExpositionParser.parse(text)
        // One process_open_fds per process, with its own value: no forged sample or line.
        let open = samples.filter { $0.name == "process_open_fds" }
        XCTAssertEqual(open.count, Self.hostile.count, text)
        for (index, name) in Self.hostile.enumerated() {
            let sample = try XCTUnwrap(open.first { $0.labels["pid"] == String(100 + index) })
            XCTAssertEqual(sample.value, Double(10 + index))
            XCTAssertEqual(sample.labels["program"], MetricLabel.value(name))
            let paths = samples.filter { $0.name == "fdhound_open_descriptors" && $0.labels["pid"] == String(100 + index) }
            XCTAssertEqual(paths.map(\.labels["code_path"]), [MetricLabel.value(name + " at x.c:1")])
            XCTAssertEqual(paths.first?.labels["kind"], MetricLabel.value(name))
        }
        XCTAssertEqual(Set(samples.map(\.name)), ["process_open_fds", "process_max_fds", "fdhound_process_traced",
                                                  "fdhound_descriptors_per_second", "fdhound_seconds_to_exhaustion",
                                                  "fdhound_open_descriptors", "fdhound_code_path_seconds_to_exhaustion"])
        XCTAssertFalse(samples.contains { $0.labels["pid"] == "1" }, "the forged sample is only text inside a label")
    }

    func testLabelValuesAreVisibleEscapedAndBounded() {
        XCTAssertEqual(MetricLabel.value("a\nb\rc\u{0}d"), "a\\nb\\rc\\x00d")
        XCTAssertEqual(MetricLabel.value(RawBytesText.decode([0x61, 0xFF])), "a\\xff")
        XCTAssertEqual(MetricLabel.value("plain name at f.c:3"), "plain name at f.c:3")
        XCTAssertEqual(MetricLabel.value(String(repeating: "x", count: 1000)).count, MetricLabel.maxLength)
    }

    /// Two code paths that read the same once escaped are summed, not a duplicate series.
    func testCollidingLabelValuesAreSummed() throws {
        let process = ProcessMetrics(pid: 7, program: "p", openDescriptors: 9, maxDescriptors: nil, traced: true,
                                     codePaths: [.init(kind: "file", codePath: "f\u{1}", open: 2),
                                                 .init(kind: "file", codePath: "f\\x01", open: 3)])
        let samples = try ExpositionParser.parse(String(decoding: PrometheusExposition.render([process]), as: UTF8.self))
        let paths = samples.filter { $0.name == "fdhound_open_descriptors" }
        XCTAssertEqual(paths.count, 1)
        XCTAssertEqual(paths.first?.value, 5)
        XCTAssertNil(samples.first { $0.name == "process_max_fds" }, "no series for an unlimited RLIMIT_NOFILE")
    }

    /// A trace holding descriptors from 15 code paths: the top 3 are exported, the rest summed as "(other)".
    func testCodePathSeriesAreBoundedPerProcess() throws {
        let directory = try TemporaryDirectory.make("metrics")
        defer { try? FileManager.default.removeItem(at: directory) }
        var capacities = TraceBuilder.Capacities()
        capacities.liveFDs = 512
        let program = LeakyProgram(pid: 4242, capacities: capacities)
        let symbolizer = LeakyProgram.symbolizer()
        var fd: Int32 = 3
        for path in 0..<15 {
            let address = UInt64(0x2000 + path * 0x10)
            symbolizer.define("leaky", address, function: "path_\(path)\n\"x\"", file: "/src/p.c", line: path + 1)
            let stack = program.builder.stack([program.app(address), program.app(LeakyProgram.Address.main)])
            for _ in 0...path { // path n holds n + 1 descriptors
                program.builder.open(fd: fd, path: "/tmp/f", stack: stack, timeNs: UInt64(fd) * 1000)
                fd += 1
            }
        }
        program.builder.state = FDH_STATE_RUNNING.rawValue
        try program.builder.write(into: directory)
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory.path).first)
        let trace = try TraceFile(path: directory.appendingPathComponent(name).path)

        let collector = MetricsCollector(target: .pids([]), topCodePaths: 3, symbolizer: symbolizer)
        let metrics = try collector.metrics(pid: Int(getpid()), trace: trace)
        XCTAssertEqual(metrics.program, "leaky")
        XCTAssertTrue(metrics.traced)
        XCTAssertEqual(metrics.codePaths.map(\.open), [15, 14, 13, 15 * 16 / 2 - 15 - 14 - 13])
        XCTAssertEqual(metrics.codePaths.last?.codePath, "(other)")
        XCTAssertTrue(metrics.codePaths[0].codePath.hasPrefix("path_14\n\"x\" at p.c:15"), metrics.codePaths[0].codePath)
        let samples = try ExpositionParser.parse(String(decoding: PrometheusExposition.render([metrics]), as: UTF8.self))
        XCTAssertEqual(samples.filter { $0.name == "fdhound_open_descriptors" }.count, 4)
        XCTAssertEqual(samples.filter { $0.name == "fdhound_open_descriptors" }.reduce(0) { $0 + $1.value }, 120)
    }
}
