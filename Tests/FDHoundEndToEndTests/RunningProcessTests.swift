// A program leaking at a steady rate under `fdhound run` is watched mid-run: `report --pid` (every format),
// `live --once` (text and JSON, in a pipe: no screen codes) and `snapshot` name the right code path with a
// count in the expected range while the program keeps running, and it exits normally afterwards. The saved
// snapshot is accepted by `report` and `diff`.
import Foundation
import XCTest

final class RunningProcessTests: XCTestCase {
    func testARunningProcessIsReportedLiveAndSnapshottedWithoutHarm() throws {
        let work = try FDHoundCLI.temporaryDirectory("running")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let stop = work.appendingPathComponent("stop").path
        let traces = work.appendingPathComponent("traces")
        let run = try BackgroundProcess([FDHoundCLI.executable, "run", "-o", traces.path, "--",
                                         program.binaryPath, "4096", "20000", "100000", stop])
        XCTAssertEqual(run.firstLine, "ready\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: traces.path).filter { $0.hasSuffix(".trace") }
        XCTAssertEqual(names.count, 1, "\(names)")
        let pid = try XCTUnwrap(names.first?.split(separator: ".").dropFirst().first.map(String.init))
        let line = try program.line(ofMark: "leak_one_per_tick")

        let report = try XCTUnwrap(Poll.until { () -> [String: Any]? in
            guard let report = try? AttachTests.jsonReportOfPID(pid),
                  let leak = LeakView.all(in: report).first(where: { $0.culpritFunction == "leak_one_per_tick" }),
                  leak.count >= 20 else { return nil }
            return report
        }, "report --pid never showed 20 leaks")
        let leaks = LeakView.all(in: report)
        let leak = try XCTUnwrap(leaks.first { $0.culpritFunction == "leak_one_per_tick" })
        XCTAssertEqual(leak.culpritLine, line)
        XCTAssertLessThanOrEqual(leak.count, 100_000)
        XCTAssertEqual(leaks.first { $0.culpritFunction == "keep_a_pool" }?.count, 8, "the pool stays level")
        let process = try XCTUnwrap((report["processes"] as? [[String: Any]])?.first)
        XCTAssertEqual(process["pid"] as? Int, Int(pid))
        XCTAssertTrue(process["attached"] is NSNull, "started under fdhound run, not attached (null, key present)")
        // Growth: the leak is the one rising code path, with a rate; the pool and the churned pipe are not.
        let rising = report["timeLeft"] as? [[String: Any]] ?? []
        XCTAssertEqual(rising.compactMap { ($0["culprit"] as? [String: Any])?["function"] as? String }, ["leak_one_per_tick"])

        for format in ["text", "markdown"] {
            let result = try FDHoundCLI.run(["report", "--pid", pid, "--format", format])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("leak_one_per_tick"), result.stdout)
            XCTAssertTrue(result.stdout.contains("leak_steadily.c:\(line)"), result.stdout)
        }

        // live in a pipe: one plain snapshot even without --once, no escape sequences; JSON too.
        for arguments in [["live", pid], ["live", pid, "--once"]] {
            let live = try FDHoundCLI.run(arguments)
            XCTAssertEqual(live.status, 0, live.stderr)
            XCTAssertFalse(live.stdout.contains("\u{1B}"), "no terminal codes into a pipe")
            XCTAssertTrue(live.stdout.contains("opened by open in leak_one_per_tick at leak_steadily.c:\(line)"), live.stdout)
        }
        let json = try FDHoundCLI.run(["live", pid, "--once", "--format", "json", "--sort", "growth"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let view = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(view["pid"] as? Int, Int(pid))
        XCTAssertEqual(view["traced"] as? Bool, true)
        XCTAssertEqual(view["sortedBy"] as? String, "growth")
        XCTAssertGreaterThanOrEqual(view["open"] as? Int ?? 0, 20)
        let paths = view["codePaths"] as? [[String: Any]] ?? []
        XCTAssertEqual((paths.first?["culprit"] as? [String: Any])?["function"] as? String, "leak_one_per_tick")
        XCTAssertGreaterThanOrEqual(paths.first?["count"] as? Int ?? 0, 20)

        let snapshot = work.appendingPathComponent("snapshot.trace").path
        let saved = try FDHoundCLI.run(["snapshot", pid, "-o", snapshot])
        XCTAssertEqual(saved.status, 0, saved.stderr)
        let refused = try FDHoundCLI.run(["snapshot", pid, "-o", snapshot])
        XCTAssertEqual(refused.status, 73, "never over an existing file: \(refused.stderr)")
        XCTAssertTrue(run.isRunning, "the program runs on")

        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil))
        let end = run.waitForExit()
        XCTAssertEqual(end.status, 0, end.stderr)
        XCTAssertTrue(end.rest.hasPrefix("done "), end.rest)
        let total = try XCTUnwrap(Int(end.rest.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))

        // The snapshot holds what was open when it was taken: fewer leaks than at the end, every record sound.
        let fromSnapshot = try FDHoundCLI.jsonReport(snapshot)
        let snapLeak = try XCTUnwrap(LeakView.all(in: fromSnapshot).first { $0.culpritFunction == "leak_one_per_tick" })
        XCTAssertGreaterThanOrEqual(snapLeak.count, leak.count)
        XCTAssertLessThan(snapLeak.count, total)
        XCTAssertFalse((fromSnapshot["warnings"] as? [String] ?? []).contains { $0.contains("skipped") }, "\(fromSnapshot["warnings"] ?? "")")
        let diff = try FDHoundCLI.run(["diff", snapshot, traces.path])
        XCTAssertEqual(diff.status, 0, diff.stderr)
        XCTAssertTrue(diff.stdout.contains("leak_one_per_tick"), diff.stdout)
    }
}
