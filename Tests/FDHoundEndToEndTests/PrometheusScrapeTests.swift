// A real Prometheus server (Debian's `prometheus`, installed by tools/setup) scrapes `fdhound metrics` on
// loopback, from a temp dir config and storage, once a second; the test asks Prometheus's HTTP API for the
// series of a program with hostile names and compares them with what it has open (held at its limit, so
// nothing moves between the scrape and the look at /proc). Prometheus is stopped by pid when the test ends
// (SIGKILL if it does not stop in 10 s) and the queries are a bounded poll.
import FDHoundCore
import FDHoundTestSupport
import Foundation
import XCTest

final class PrometheusScrapeTests: XCTestCase {
    /// A port nobody listens on now (bound, read, closed: Prometheus takes it a moment later).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw ExpositionParser.Failure(description: "no free port: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The instant vector of `query` from Prometheus's HTTP API: (labels, value) per series.
    static func query(_ base: String, _ query: String) throws -> [([String: String], Double)] {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let body = try HTTP.get("\(base)/api/v1/query?query=\(encoded)")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        guard object?["status"] as? String == "success", let data = object?["data"] as? [String: Any],
              let result = data["result"] as? [[String: Any]] else {
            throw ExpositionParser.Failure(description: "query \(query): \(body)")
        }
        return result.compactMap { series in
            guard let metric = series["metric"] as? [String: String], let value = series["value"] as? [Any],
                  value.count == 2, let text = value[1] as? String, let number = Double(text) else { return nil }
            return (metric, number)
        }
    }

    func testPrometheusScrapesTheSeries() throws {
        guard let prometheus = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            return XCTFail("prometheus is not installed (tools/setup installs Debian's package)")
        }
        let work = try FDHoundCLI.temporaryDirectory("prometheus")
        defer { try? FileManager.default.removeItem(at: work) }
        // A hostile program: its executable is named with a backslash and a control byte, its source file
        // with quotes and a newline too; Prometheus must still accept every scrape (up == 1) and show the
        // names as fdhound escapes them. (No quote or newline in the executable's path: llvm-symbolizer's
        // input has no escapes, so such a module is asked for by build-id only and the code path would be
        // module+offset — LLVMSymbolizer.)
        let fixture = try FixtureProgram.build("leak_steadily", in: work)
        let line = try fixture.line(ofMark: "leak_one_per_tick")
        let hostileName = "leak \\x\u{1} bin"
        let hostileSource = "src \"q\"\n\\x\u{1}"
        let sources = work.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        let source = sources.appendingPathComponent(hostileSource + ".c").path
        try FileManager.default.copyItem(atPath: fixture.sourcePath, toPath: source)
        let binary = work.appendingPathComponent(hostileName).path
        let compiled = try Command.run(["cc", "-g", "-O1", "-o", binary, source])
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        let program = FixtureProgram(name: hostileName, sourcePath: source, binaryPath: binary)
        let stop = work.appendingPathComponent("stop").path
        defer { _ = FileManager.default.createFile(atPath: stop, contents: nil) }
        let traces = work.appendingPathComponent("traces")
        let held = try BackgroundProcess([FDHoundCLI.executable, "run", "-o", traces.path, "--",
                                          program.binaryPath, "64", "2000", "20", stop, "exhaust"])
        XCTAssertEqual(held.firstLine, "ready\n")
        let pid = try MetricsCommandTests.tracedPID(in: traces)
        let atLimit = try XCTUnwrap(MetricsCommandTests.heldAtLimit(pid), "the program never reached its limit of 64")

        let exporter = try MetricsServer(["--traces", traces.path])
        let port = try Self.freePort()
        let config = work.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: fdhound
                static_configs:
                  - targets: ['\(exporter.address)']
            """.write(to: config, atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: prometheus)
        server.arguments = ["--config.file=\(config.path)", "--storage.tsdb.path=\(work.appendingPathComponent("data").path)",
                            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        let log = work.appendingPathComponent("prometheus.log")
        XCTAssertTrue(FileManager.default.createFile(atPath: log.path, contents: nil))
        let logHandle = try FileHandle(forWritingTo: log)
        server.standardOutput = logHandle
        server.standardError = logHandle
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGTERM)
            if Poll.until(attempts: 50, { server.isRunning ? nil : true }) == nil { kill(server.processIdentifier, SIGKILL) }
            server.waitUntilExit()
        }

        let base = "http://127.0.0.1:\(port)"
        let who = "pid=\"\(pid)\""
        let open = try XCTUnwrap(Poll.until(attempts: 200, pause: 0.25) { () -> ([String: String], Double)? in
            try? Self.query(base, "process_open_fds{\(who)}").first
        }, "Prometheus never had process_open_fds for pid \(pid): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        XCTAssertEqual(open.0["program"], MetricLabel.value(hostileName))
        XCTAssertEqual(open.0["program"], "leak \\x\\x01 bin", "escaped visibly, then carried exactly")
        XCTAssertEqual(open.0["job"], "fdhound")
        XCTAssertEqual(open.0["instance"], exporter.address)
        XCTAssertEqual(open.1, Double(atLimit.count), "what the process has open")
        XCTAssertEqual(try Self.query(base, "process_max_fds{\(who)}").first?.1, 64)
        let devNull = atLimit.filter { $0.key > 2 && $0.value == "/dev/null" }.count
        let paths = try Self.query(base, "fdhound_open_descriptors{\(who)}")
        XCTAssertEqual(paths.first { $0.0["code_path"] == MetricLabel.value("leak_one_per_tick at \(hostileSource).c:\(line)") }?.1,
                       Double(devNull), "\(paths)")
        XCTAssertEqual(paths.first { $0.0["code_path"]?.hasPrefix("keep_a_pool at ") == true }?.1, 8, "\(paths)")
        // The target is healthy: every scrape parsed (Prometheus rejects the whole scrape on a bad line).
        let up = try Self.query(base, "up{job=\"fdhound\"}")
        XCTAssertEqual(up.map(\.1), [1])

        XCTAssertEqual(exporter.stop().status, 0)
        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil))
        XCTAssertEqual(held.waitForExit().status, 0)
    }
}
