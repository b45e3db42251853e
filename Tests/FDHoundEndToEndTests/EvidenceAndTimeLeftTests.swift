// The evidence the shim takes near the limit (a snapshot at 80 % of RLIMIT_NOFILE and at the first EMFILE,
// every failure counted), how `run` announces it and how reports show it; and "time left" on a steady leak,
// checked against the truth computed from the program's own event timestamps and limit.
import Foundation
import XCTest

final class EvidenceAndTimeLeftTests: XCTestCase {
    func testThresholdAndEMFILESnapshotsNameTheLeakingCodePath() throws {
        let work = try FDHoundCLI.temporaryDirectory("evidence")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let stop = work.appendingPathComponent("stop").path
        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil)) // exhaust, then exit at once
        let traces = work.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath, "300", "1000", "100", stop, "exhaust"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("reached 80 % of RLIMIT_NOFILE (240 of 300)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("hit EMFILE (too many open files)"), run.stderr)

        let report = try FDHoundCLI.jsonReport(traces)
        let process = try XCTUnwrap((report["processes"] as? [[String: Any]])?.first)
        let evidence = try XCTUnwrap(process["evidence"] as? [String: Any])
        XCTAssertEqual(evidence["emfileFailures"] as? Int, 3)
        XCTAssertEqual(evidence["threshold"] as? Int, 240)
        let moments = evidence["moments"] as? [[String: Any]] ?? []
        XCTAssertEqual(moments.map { $0["trigger"] as? String ?? "" }, ["threshold", "emfile"])
        let threshold = moments[0], emfile = moments[1]
        XCTAssertEqual(threshold["open"] as? Int, 240)
        XCTAssertEqual(threshold["limit"] as? Int, 300)
        let thresholdPaths = threshold["codePaths"] as? [[String: Any]] ?? []
        let top = try XCTUnwrap(thresholdPaths.first)
        XCTAssertEqual((top["culprit"] as? [String: Any])?["function"] as? String, "leak_one_per_tick")
        XCTAssertEqual(top["kind"] as? String, "file")
        // The helper is called from two loops (two stacks): the steady one leaked exactly 100.
        let leaking = thresholdPaths.filter { ($0["culprit"] as? [String: Any])?["function"] as? String == "leak_one_per_tick" }
        XCTAssertTrue(leaking.contains { $0["count"] as? Int == 100 }, "\(leaking.map { $0["count"] ?? 0 })")
        XCTAssertEqual(thresholdPaths.first { ($0["culprit"] as? [String: Any])?["function"] as? String == "keep_a_pool" }?["count"] as? Int, 8)
        let counted = thresholdPaths.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } + (threshold["otherOpen"] as? Int ?? 0)
        XCTAssertEqual(counted, 240, "every open descriptor is in a code path or in otherOpen")
        XCTAssertEqual(emfile["failingCall"] as? String, "open")
        XCTAssertEqual((emfile["failingCulprit"] as? [String: Any])?["function"] as? String, "leak_one_per_tick")
        let emfileHeld = (emfile["codePaths"] as? [[String: Any]] ?? [])
            .filter { ($0["culprit"] as? [String: Any])?["function"] as? String == "leak_one_per_tick" }
            .reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
        XCTAssertGreaterThan(emfileHeld, 240)

        let text = try FDHoundCLI.run(["report", traces])
        let line = try program.line(ofMark: "leak_one_per_tick")
        XCTAssertTrue(text.stdout.contains("at 80 % of RLIMIT_NOFILE (240 of 300) at "), text.stdout)
        XCTAssertTrue(text.stdout.contains("× file at leak_steadily.c:\(line) (leak_one_per_tick)"), text.stdout)
        // The first EMFILE is a section of its own: when, how many open, who held them then.
        let pid = try XCTUnwrap(process["pid"] as? Int)
        XCTAssertTrue(text.stdout.contains("Ran out of descriptors:\n\nE1  pid \(pid): first EMFILE at "), text.stdout)
        XCTAssertTrue(text.stdout.contains("in open (leak_one_per_tick at leak_steadily.c:\(line)), "), text.stdout)
        XCTAssertTrue(text.stdout.contains("open of 300; 3 calls failed with EMFILE in all"), text.stdout)
        XCTAssertTrue(text.stdout.contains("    held then: ") && text.stdout.contains(
            " × file opened by open in leak_one_per_tick at leak_steadily.c:\(line)"), text.stdout)
        let exhaustion = report["exhaustion"] as? [[String: Any]] ?? []
        XCTAssertEqual(exhaustion.count, 1, "\(exhaustion)")
        XCTAssertEqual(exhaustion.first?["error"] as? String, "EMFILE")
        XCTAssertEqual(exhaustion.first?["failures"] as? Int, 3)
        XCTAssertEqual(exhaustion.first?["limit"] as? Int, 300)
        XCTAssertEqual((exhaustion.first?["failingCulprit"] as? [String: Any])?["function"] as? String, "leak_one_per_tick")
        let markdown = try FDHoundCLI.run(["report", traces, "--format", "markdown"])
        XCTAssertTrue(markdown.stdout.contains("### Near the limit"), markdown.stdout)
        XCTAssertTrue(markdown.stdout.contains("### Ran out of descriptors\n\n- E1: pid \(pid): first EMFILE at"), markdown.stdout)
        let sarif = try FDHoundCLI.run(["report", traces, "--format", "sarif"])
        XCTAssertTrue(sarif.stdout.contains("\"ruleId\" : \"fdhound/exhaustion\""), sarif.stdout)
    }

    func testTimeLeftOnASteadyLeakIsWithinTwentyPercentOfTheTruth() throws {
        let work = try FDHoundCLI.temporaryDirectory("time-left")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let traces = work.appendingPathComponent("traces").path
        let limit = 2048, leaks = 400
        // One leak per 5 ms on average (ticks vary 2.5–7.5 ms), a pipe churned and a pool recycled each tick.
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath, String(limit), "5000", String(leaks),
                                      work.appendingPathComponent("never").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try FDHoundCLI.jsonReport(traces)
        let leak = try XCTUnwrap(LeakView.all(in: report).first { $0.culpritFunction == "leak_one_per_tick" })
        XCTAssertEqual(leak.count, leaks)
        // The truth, from the program's own events: its leaks' first and last timestamps, and its limit.
        let first = try XCTUnwrap(leak.raw["firstSeenSeconds"] as? Double)
        let last = try XCTUnwrap(leak.raw["lastSeenSeconds"] as? Double)
        let trueRate = Double(leaks - 1) / (last - first)

        let process = try XCTUnwrap((report["processes"] as? [[String: Any]])?.first)
        let forecast = try XCTUnwrap(process["timeLeft"] as? [String: Any])
        XCTAssertEqual(forecast["verdict"] as? String, "projected", "\(forecast)")
        XCTAssertEqual(forecast["limit"] as? Int, limit, "the limit the program set itself, not the one at start")
        let current = try XCTUnwrap(forecast["current"] as? Int)
        let truth = Double(limit - current) / trueRate
        let projected = try XCTUnwrap(forecast["secondsLeft"] as? Double)
        let error = abs(projected - truth) / truth
        print("time left: process projected \(projected) s, truth \(truth) s, error \(error * 100) %, rate \(forecast["perSecond"] ?? "?") vs \(trueRate)/s, R² \(forecast["rSquared"] ?? "?"), confidence \(forecast["confidence"] ?? "?")")
        XCTAssertLessThan(error, 0.2)

        let paths = report["timeLeft"] as? [[String: Any]] ?? []
        XCTAssertEqual(paths.count, 1, "only the leak rises: \(paths)")
        let path = try XCTUnwrap(paths.first)
        XCTAssertEqual((path["culprit"] as? [String: Any])?["function"] as? String, "leak_one_per_tick")
        let pathForecast = try XCTUnwrap(path["timeLeft"] as? [String: Any])
        let pathRate = try XCTUnwrap(pathForecast["perSecond"] as? Double)
        let pathProjected = try XCTUnwrap(pathForecast["secondsLeft"] as? Double)
        let pathError = abs(pathProjected - truth) / truth
        print("time left: code path projected \(pathProjected) s, truth \(truth) s, error \(pathError * 100) %, rate \(pathRate) vs \(trueRate)/s")
        XCTAssertLessThan(pathError, 0.2)
        XCTAssertLessThan(abs(pathRate - trueRate) / trueRate, 0.2)

        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertTrue(text.stdout.contains("time left: +1 descriptor per ") || text.stdout.contains("time left: +"), text.stdout)
        XCTAssertTrue(text.stdout.contains("RLIMIT_NOFILE \(limit) reached in about"), text.stdout)
    }
}
