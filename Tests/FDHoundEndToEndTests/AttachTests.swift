// `fdhound attach` / `detach` on processes that were not started under fdhound: a C program leaking
// steadily and a CPython process. Recording starts at the attach (Python frames included), `report --pid`
// sees the leak while the program runs, and after `detach` the program runs on and exits normally.
import Foundation
import XCTest

final class AttachTests: XCTestCase {
    func testAttachToARunningCProgramThenDetachLeavesItRunningUnharmed() throws {
        let work = try FDHoundCLI.temporaryDirectory("attach-c")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let stop = work.appendingPathComponent("stop").path
        let target = try BackgroundProcess([program.binaryPath, "4096", "20000", "100000", stop])
        XCTAssertEqual(target.firstLine, "ready\n")
        let pid = String(target.pid)
        let traces = work.appendingPathComponent("traces")

        let attach = try FDHoundCLI.run(["attach", pid, "-o", traces.path])
        XCTAssertEqual(attach.status, 0, attach.stderr)
        XCTAssertTrue(attach.stderr.contains("attached to process \(pid)"), attach.stderr)
        let again = try FDHoundCLI.run(["attach", pid, "-o", traces.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("already recording"), again.stderr)

        // While it runs: the leak is seen growing from its own code path.
        let line = try program.line(ofMark: "leak_one_per_tick")
        let report = try XCTUnwrap(Poll.until { () -> [String: Any]? in
            guard let report = try? Self.jsonReportOfPID(pid),
                  let leak = LeakView.all(in: report).first(where: { $0.culpritFunction == "leak_one_per_tick" }),
                  leak.count >= 10 else { return nil }
            return report
        }, "report --pid never showed 10 leaks from leak_one_per_tick")
        let leak = try XCTUnwrap(LeakView.all(in: report).first { $0.culpritFunction == "leak_one_per_tick" })
        XCTAssertEqual(leak.culpritLine, line)
        XCTAssertEqual(leak.kind, "file")
        let process = try XCTUnwrap((report["processes"] as? [[String: Any]])?.first)
        XCTAssertEqual(process["attached"] as? Bool, true)
        XCTAssertEqual(process["state"] as? String, "running-or-killed")
        let inherited = report["inherited"] as? [[String: Any]] ?? []
        XCTAssertTrue(inherited.contains { $0["reason"] as? String == "open before attach" }, "\(inherited)")
        XCTAssertFalse(inherited.contains { $0["reason"] as? String == "inherited" }, "\(inherited)")
        XCTAssertTrue(target.isRunning)

        let detach = try FDHoundCLI.run(["detach", pid])
        XCTAssertEqual(detach.status, 0, detach.stderr)
        let twice = try FDHoundCLI.run(["detach", pid])
        XCTAssertEqual(twice.status, 69, twice.stderr)
        XCTAssertTrue(target.isRunning)
        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil))
        let end = target.waitForExit()
        XCTAssertEqual(end.status, 0, end.stderr)
        XCTAssertTrue(end.rest.hasPrefix("done "), end.rest)
        XCTAssertFalse(end.stderr.contains("fdhound"), "the program heard nothing from fdhound: \(end.stderr)")

        // The trace stays readable, says detached, and calls what was open before the attach so.
        let after = try FDHoundCLI.jsonReport(traces.path)
        let afterProcess = try XCTUnwrap((after["processes"] as? [[String: Any]])?.first)
        XCTAssertEqual(afterProcess["state"] as? String, "detached")
        let text = try FDHoundCLI.run(["report", traces.path, "--all"])
        XCTAssertTrue(text.stdout.contains("(open before attach)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("detached (recording stopped; it may still run)"), text.stdout)
    }

    /// `attach --always-on` hands the setting to the shim through the call (fdhound_attach_with), not the
    /// target's environment: the trace says always-on and the leak says how its stacks were sampled.
    func testAttachAlwaysOnSamplesStacksInTheRunningProcess() throws {
        let work = try FDHoundCLI.temporaryDirectory("attach-always-on")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let stop = work.appendingPathComponent("stop").path
        let target = try BackgroundProcess([program.binaryPath, "4096", "5000", "100000", stop])
        XCTAssertEqual(target.firstLine, "ready\n")
        let pid = String(target.pid)
        let traces = work.appendingPathComponent("traces")
        let misused = try FDHoundCLI.run(["attach", pid, "--sample-every", "8"])
        XCTAssertEqual(misused.status, 64, "--sample-every without --always-on: \(misused.stderr)")

        let attach = try FDHoundCLI.run(["attach", pid, "-o", traces.path, "--always-on", "--sample-first", "2",
                                         "--for", "1"])
        XCTAssertEqual(attach.status, 0, attach.stderr)
        XCTAssertTrue(target.isRunning)
        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil))
        XCTAssertEqual(target.waitForExit().status, 0)
        let report = try FDHoundCLI.jsonReport(traces.path)
        let leak = try XCTUnwrap(LeakView.all(in: report).first { $0.culpritFunction == "leak_one_per_tick" },
                                 "\(LeakView.all(in: report).map(\.raw))")
        XCTAssertEqual(leak.culpritLine, try program.line(ofMark: "leak_one_per_tick"))
        let sampling = try XCTUnwrap(leak.raw["stackSampling"] as? [String: Any], "always-on: \(leak.raw)")
        XCTAssertEqual(sampling["leaked"] as? Int, leak.count)
        XCTAssertGreaterThanOrEqual(sampling["openedWithStack"] as? Int ?? 0, min(2, leak.count))
    }

    func testAttachForSecondsDetachesByItselfAndPythonFramesAppear() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("no /usr/bin/python3") }
        let work = try FDHoundCLI.temporaryDirectory("attach-py")
        defer { try? FileManager.default.removeItem(at: work) }
        let script = FixtureProgram.fixturesDirectory.deletingLastPathComponent()
            .appendingPathComponent("python/leak_sockets_until_stopped.py").path
        let stop = work.appendingPathComponent("stop").path
        let target = try BackgroundProcess(["/usr/bin/python3", script, stop])
        XCTAssertEqual(target.firstLine, "ready\n")
        let pid = String(target.pid)
        let traces = work.appendingPathComponent("traces")

        // --for 1: attach, wait a second, detach — all in one command.
        let attach = try FDHoundCLI.run(["attach", pid, "-o", traces.path, "--for", "1"])
        XCTAssertEqual(attach.status, 0, attach.stderr)
        XCTAssertTrue(attach.stderr.contains("detached from process \(pid)"), attach.stderr)
        XCTAssertTrue(target.isRunning)
        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil))
        let end = target.waitForExit()
        XCTAssertEqual(end.status, 0, end.stderr)
        XCTAssertTrue(end.rest.hasPrefix("done "), end.rest)

        let report = try FDHoundCLI.jsonReport(traces.path)
        let leak = try XCTUnwrap(LeakView.all(in: report).first { $0.culpritFunction == "leak_a_socket" },
                                 "\(LeakView.all(in: report).map(\.culpritFunction))")
        XCTAssertGreaterThan(leak.count, 0)
        XCTAssertEqual(leak.kind, "inet-socket")
        XCTAssertTrue(leak.culpritFile.hasSuffix("/leak_sockets_until_stopped.py"), leak.culpritFile)
        XCTAssertEqual(leak.culprit["module"] as? String, "python", "a Python frame, recorded after the attach")
        let process = try XCTUnwrap((report["processes"] as? [[String: Any]])?.first)
        XCTAssertEqual(process["state"] as? String, "detached")
        XCTAssertTrue((process["python"] as? String ?? "").contains("Python frames recorded"), "\(process)")
    }

    func testWhatCannotBeAttachedToIsSaidClearly() throws {
        let missing = try FDHoundCLI.run(["attach", "999999999"])
        XCTAssertEqual(missing.status, 69)
        XCTAssertTrue(missing.stderr.contains("no process 999999999"), missing.stderr)

        let work = try FDHoundCLI.temporaryDirectory("attach-refused")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let stop = work.appendingPathComponent("stop").path
        let target = try BackgroundProcess([program.binaryPath, "4096", "20000", "100000", stop])
        defer { _ = FileManager.default.createFile(atPath: stop, contents: nil); _ = target.waitForExit() }
        let pid = String(target.pid)

        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/nonexistent"
        let noGDB = try FDHoundCLI.run(["attach", pid], environment: environment)
        XCTAssertEqual(noGDB.status, 69)
        XCTAssertTrue(noGDB.stderr.contains("gdb is not installed"), noGDB.stderr)

        let notAttached = try FDHoundCLI.run(["detach", pid])
        XCTAssertEqual(notAttached.status, 69)
        XCTAssertTrue(notAttached.stderr.contains("never attached"), notAttached.stderr)

        let notTraced = try FDHoundCLI.run(["report", "--pid", pid])
        XCTAssertEqual(notTraced.status, 69)
        XCTAssertTrue(notTraced.stderr.contains("is not being traced by fdhound"), notTraced.stderr)

        // A static program has no loader to dlopen the shim.
        let staticProgram = try FixtureProgram.build("leak_steadily", in: work.appendingPathComponent("static", isDirectory: true)
            .creatingDirectory(), extraFlags: ["-static"])
        let staticTarget = try BackgroundProcess([staticProgram.binaryPath, "4096", "20000", "100000", stop + ".static"])
        defer { _ = FileManager.default.createFile(atPath: stop + ".static", contents: nil); _ = staticTarget.waitForExit() }
        let refused = try FDHoundCLI.run(["attach", String(staticTarget.pid)])
        XCTAssertEqual(refused.status, 69)
        XCTAssertTrue(refused.stderr.contains("statically linked"), refused.stderr)
        XCTAssertTrue(target.isRunning && staticTarget.isRunning)
    }

    static func jsonReportOfPID(_ pid: String) throws -> [String: Any]? {
        let result = try FDHoundCLI.run(["report", "--pid", pid, "--format", "json"])
        guard result.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }
}

extension URL {
    /// Creates this directory (and its parents) and returns it.
    func creatingDirectory() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
