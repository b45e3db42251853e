// End to end: D-Bus connections against a real, private dbus-daemon. A Python client (dbus-python over
// libdbus) and a C client that speaks to the bus socket without libdbus, both traced by `fdhound run`; the
// JSON report must show the leaked connections as kind "dbus" with exact counts, and each process's D-Bus
// summary (opened, left open, peak against dbus-daemon's per-user limit).
import Foundation
import XCTest

final class DBusTests: XCTestCase {
    private static let python = "/usr/bin/python3"
    private var workDirectory: URL!
    private var daemon: Process?
    private var busDirectory: String?
    private var busAddress = ""

    override func setUpWithError() throws {
        guard let dbusDaemon = ["/usr/bin/dbus-daemon", "/bin/dbus-daemon"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("dbus-daemon is not installed (tools/setup installs it)")
        }
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
        // Short and separate: a unix socket path must fit in sun_path (108 bytes).
        var template = Array("/tmp/fdh-bus-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        let busDirectory = String(cString: made)
        self.busDirectory = busDirectory
        // A private session bus in this test's directory, bounded to 5 minutes even if tearDown never runs.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["300", dbusDaemon, "--session", "--nofork", "--print-address=1",
                             "--address=unix:dir=\(busDirectory)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        daemon = process
        busAddress = try Self.firstLine(of: output.fileHandleForReading, timeout: 10)
        guard busAddress.hasPrefix("unix:path=") else {
            throw TestFailure("dbus-daemon printed no usable address: '\(busAddress)'")
        }
    }

    override func tearDownWithError() throws {
        if let daemon, daemon.isRunning {
            kill(daemon.processIdentifier, SIGTERM) // timeout(1) passes it on to dbus-daemon
            daemon.waitUntilExit()
        }
        daemon = nil
        if let workDirectory { try? FileManager.default.removeItem(at: workDirectory) }
        if let busDirectory { try? FileManager.default.removeItem(atPath: busDirectory) }
    }

    // MARK: Python client (dbus-python, libdbus loaded RTLD_LOCAL by _dbus_bindings.so)

    func testPythonPrivateConnectionsLeakedFromOneFunctionAreOneDBusGroup() throws {
        let report = try tracePython(leaked: 6, closed: 3, ending: "abandon")
        let dbusLeaks = LeakView.all(in: report).filter { $0.kind == "dbus" }
        XCTAssertEqual(dbusLeaks.count, 1, "dbus groups: \(dbusLeaks.map(\.raw))")
        guard let leak = dbusLeaks.first else { return }
        XCTAssertEqual(leak.count, 6)
        XCTAssertEqual(leak.raw["api"] as? String, "dbus_connection_open_private")
        // The culprit is dbus-python's constructor; the application frame that called it is named too.
        let caller = leak.raw["calledFrom"] as? [String: Any]
        XCTAssertEqual(caller?["function"] as? String, "connect_ble_device_leaking", "\(leak.raw)")
        XCTAssertTrue((caller?["file"] as? String ?? "").hasSuffix("leak_dbus_connections.py"), "\(caller ?? [:])")
        XCTAssertEqual(leak.raw["owner"] as? String, "dbus")
        XCTAssertEqual(leak.raw["openedAtSite"] as? Int, 6)
        XCTAssertEqual(leak.raw["closedAtSite"] as? Int, 0)
        let samples = leak.raw["samples"] as? [String] ?? []
        XCTAssertEqual(samples.count, 1, "one bus address: \(samples)")
        XCTAssertTrue(samples.first?.hasPrefix(busAddress) ?? false, "sample names the bus address: \(samples)")
        // The connection's socket is reported as the connection, never a second time as a bare socket.
        XCTAssertTrue(LeakView.all(in: report).filter { $0.kind.contains("socket") }.isEmpty,
                      "sockets of connections reported separately: \(LeakView.all(in: report).map(\.raw))")
        // libdbus closing its own sockets (for the correctly closed connections) is not misuse.
        let misuse = report["misuse"] as? [[String: Any]] ?? []
        XCTAssertTrue(misuse.filter { $0["owner"] as? String == "dbus" }.isEmpty, "misuse: \(misuse)")

        let summary = try dbusSummary(in: report)
        XCTAssertEqual(summary["connectionsOpened"] as? Int, 9)
        XCTAssertEqual(summary["connectionsLeftOpen"] as? Int, 6)
        XCTAssertEqual(summary["peakSimultaneous"] as? Int, 6)
        XCTAssertEqual(summary["perUserLimit"] as? Int, 256)
        XCTAssertEqual(summary["libdbusConnections"] as? Int, 9)
        XCTAssertEqual(summary["socketConnections"] as? Int, 0)
        XCTAssertEqual(summary["exact"] as? Bool, true)
    }

    func testPythonConnectionsClosedAtFinalizationLeaveNoneOpenButShowThePeak() throws {
        let report = try tracePython(leaked: 4, closed: 2, ending: "finalize")
        XCTAssertTrue(LeakView.all(in: report).filter { $0.kind == "dbus" }.isEmpty)
        let summary = try dbusSummary(in: report)
        XCTAssertEqual(summary["connectionsOpened"] as? Int, 6)
        XCTAssertEqual(summary["connectionsLeftOpen"] as? Int, 0)
        XCTAssertEqual(summary["peakSimultaneous"] as? Int, 4)

        let text = try FDHoundCLI.run(["report", workDirectory.appendingPathComponent("traces").path])
        XCTAssertTrue(text.stdout.contains("D-Bus: 6 connections opened, 0 left open; peak 4 of dbus-daemon's default 256 connections per user"),
                      text.stdout)
        let markdown = try FDHoundCLI.run(["report", workDirectory.appendingPathComponent("traces").path,
                                           "--format", "markdown"])
        XCTAssertTrue(markdown.stdout.contains("### D-Bus connections"), markdown.stdout)
        XCTAssertTrue(markdown.stdout.contains("peak 4 of dbus-daemon's default 256 connections per user"), markdown.stdout)
    }

    func testPythonPrivateSessionBusConnectionsThroughDbusBusGetPrivate() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = busAddress
        let report = try tracePython(leaked: 5, closed: 0, ending: "session-bus", environment: environment)
        let dbusLeaks = LeakView.all(in: report).filter { $0.kind == "dbus" }
        XCTAssertEqual(dbusLeaks.count, 1, "dbus groups: \(dbusLeaks.map(\.raw))")
        XCTAssertEqual(dbusLeaks.first?.count, 5)
        XCTAssertEqual(dbusLeaks.first?.raw["api"] as? String, "dbus_bus_get_private")
        XCTAssertEqual((dbusLeaks.first?.raw["calledFrom"] as? [String: Any])?["function"] as? String,
                       "open_session_bus_leaking")
        XCTAssertEqual(try dbusSummary(in: report)["connectionsLeftOpen"] as? Int, 5)
    }

    // MARK: C client without libdbus (socket + connect to the bus socket)

    func testBusSocketsOpenedWithoutLibdbusAreDBusLeaksUnderTheHelper() throws {
        let program = try FixtureProgram.build("leak_dbus_bus_sockets", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = busAddress
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath, "7", "4"], environment: environment)
        XCTAssertEqual(run.status, 0, "fdhound run failed: \(run.stderr)")
        let report = try FDHoundCLI.jsonReport(traces)

        let leaks = LeakView.all(in: report)
        let matching = leaks.filter { $0.culpritFunction == "open_bus_socket_leaking" }
        XCTAssertEqual(matching.count, 1, "groups: \(leaks.map(\.raw))")
        guard let leak = matching.first else { return }
        XCTAssertEqual(leak.count, 7)
        XCTAssertEqual(leak.kind, "dbus")
        XCTAssertEqual(leak.raw["api"] as? String, "socket")
        XCTAssertTrue(leak.culpritFile.hasSuffix("leak_dbus_bus_sockets.c"), leak.culpritFile)
        XCTAssertEqual(leak.culpritLine, try program.line(ofMark: "open_bus_socket_leaking"))
        let socketPath = String(busAddress.dropFirst("unix:path=".count).prefix { $0 != "," })
        XCTAssertTrue((leak.raw["samples"] as? [String] ?? []).allSatisfy { $0.contains(socketPath) },
                      "samples name the bus socket \(socketPath): \(leak.raw["samples"] ?? [])")
        XCTAssertFalse(leaks.flatMap(\.stackFunctions).contains("open_bus_socket_closing"))

        let summary = try dbusSummary(in: report)
        XCTAssertEqual(summary["connectionsOpened"] as? Int, 11)
        XCTAssertEqual(summary["connectionsLeftOpen"] as? Int, 7)
        XCTAssertEqual(summary["peakSimultaneous"] as? Int, 7)
        XCTAssertEqual(summary["socketConnections"] as? Int, 11)
        XCTAssertEqual(summary["libdbusConnections"] as? Int, 0)
    }

    // MARK: helpers

    private func tracePython(leaked: Int, closed: Int, ending: String,
                             environment: [String: String]? = nil) throws -> [String: Any] {
        guard FileManager.default.isExecutableFile(atPath: Self.python),
              try Command.run([Self.python, "-c", "import dbus"]).status == 0 else {
            throw XCTSkip("\(Self.python) with python3-dbus is not installed (tools/setup installs it)")
        }
        let script = FixtureProgram.fixturesDirectory.deletingLastPathComponent()
            .appendingPathComponent("python/leak_dbus_connections.py").path
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", Self.python, script, busAddress,
                                      String(leaked), String(closed), ending], environment: environment)
        XCTAssertEqual(run.status, 0, "fdhound run failed: \(run.stderr)")
        XCTAssertTrue(run.stdout.contains("held \(leaked) connections"), run.stdout + run.stderr)
        return try FDHoundCLI.jsonReport(traces)
    }

    /// The `dbus` object of the one process that has one.
    private func dbusSummary(in report: [String: Any], file: StaticString = #filePath,
                             line: UInt = #line) throws -> [String: Any] {
        let processes = report["processes"] as? [[String: Any]] ?? []
        let summaries = processes.compactMap { $0["dbus"] as? [String: Any] }
        XCTAssertEqual(summaries.count, 1, "processes with a D-Bus summary: \(processes)", file: file, line: line)
        return try XCTUnwrap(summaries.first, file: file, line: line)
    }

    /// The first line `handle` produces, waiting at most `timeout` seconds.
    private static func firstLine(of handle: FileHandle, timeout: TimeInterval) throws -> String {
        var data = Data()
        let deadline = Date().addingTimeInterval(timeout)
        while !data.contains(UInt8(ascii: "\n")) && Date() < deadline {
            var poller = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")) else {
            throw TestFailure("dbus-daemon did not print its address within \(timeout) s")
        }
        return String(decoding: data[..<newline], as: UTF8.self)
    }
}

/// A set-up problem that must fail the test (unlike a missing tool, which skips it).
private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
