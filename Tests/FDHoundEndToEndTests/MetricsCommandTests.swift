// `fdhound metrics` scraped directly: a program leaking at a known pace under `fdhound run` is exported with
// process_open_fds / process_max_fds (pid, program), its leaking code path named with a count, and a
// projection that agrees with its limit; a program held at its limit after EMFILE is exported with exactly
// what /proc shows; an untraced process gets the /proc series only; SIGTERM ends the server with status 0.
import FDHoundTestSupport
import Foundation
import XCTest

final class MetricsCommandTests: XCTestCase {
    /// The program's descriptors of a running process, from /proc. With `limit` (its soft RLIMIT_NOFILE),
    /// the shim's parked libunwind pipe is left out, told apart here by what only it can be: both ends of
    /// one pipe at or above `limit - 2` (parked at the top of the limit the process had when it started, or
    /// moved to the top of a raised one; the program's own pipes are numbered from the bottom).
    static func openDescriptors(_ pid: Int32, limit: Int? = nil) -> [Int: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        var result = [Int: String]()
        for name in names {
            guard let fd = Int(name) else { continue }
            result[fd] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(name)")) ?? "?"
        }
        guard let limit else { return result }
        let high = result.filter { $0.key >= limit - 2 && $0.value.hasPrefix("pipe:[") }
        for (_, ends) in Dictionary(grouping: high, by: \.value) where ends.count == 2 {
            for end in ends { result[end.key] = nil }
        }
        return result
    }

    /// Waits until every number below the program's limit of 64 is taken (it hit EMFILE and holds).
    static func heldAtLimit(_ pid: Int32) -> [Int: String]? {
        Poll.until { () -> [Int: String]? in
            let fds = openDescriptors(pid, limit: 64)
            return (0..<64).allSatisfy { fds[$0] != nil } ? fds : nil
        }
    }

    /// The pid of the one trace in `traces` (the program `fdhound run` started).
    static func tracedPID(in traces: URL) throws -> Int32 {
        let names = try FileManager.default.contentsOfDirectory(atPath: traces.path).filter { $0.hasSuffix(".trace") }
        XCTAssertEqual(names.count, 1, "\(names)")
        return try XCTUnwrap(names.first.flatMap { Int32($0.split(separator: ".")[1]) })
    }

    func testScrapesALeakingProgramAndOneHeldAtItsLimit() throws {
        let work = try FDHoundCLI.temporaryDirectory("metrics")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let line = try program.line(ofMark: "leak_one_per_tick")
        let stop = work.appendingPathComponent("stop").path
        defer { _ = FileManager.default.createFile(atPath: stop, contents: nil) }

        // Leaking one descriptor per ~20 ms (≤ 50/s) against a soft limit of 4096.
        let leakingTraces = work.appendingPathComponent("leaking")
        let leaking = try BackgroundProcess([FDHoundCLI.executable, "run", "-o", leakingTraces.path, "--",
                                             program.binaryPath, "4096", "20000", "100000", stop])
        XCTAssertEqual(leaking.firstLine, "ready\n")
        let leakingPID = try Self.tracedPID(in: leakingTraces)

        let server = try MetricsServer(["--traces", leakingTraces.path])
        let codePath = "leak_one_per_tick at leak_steadily.c:\(line)"
        let poolPath = "keep_a_pool at leak_steadily.c:\(try program.line(ofMark: "keep_a_pool"))"
        var before = 0, after = 0
        let samples = try XCTUnwrap(try Poll.until { () -> [ExpositionParser.Sample]? in
            before = Self.openDescriptors(leakingPID, limit: 4096).count
            let samples = try server.scrape()
            after = Self.openDescriptors(leakingPID, limit: 4096).count
            guard let leaked = samples.named("fdhound_open_descriptors", ["code_path": codePath]).first, leaked.value >= 30,
                  !samples.named("fdhound_seconds_to_exhaustion").isEmpty else { return nil }
            return samples
        }, "the scrape never showed 30 leaks from leak_one_per_tick with a projection")
        let who = ["pid": String(leakingPID), "program": "leak_steadily"]
        let open = try XCTUnwrap(samples.named("process_open_fds", who).first).value
        // The program leaks on while we look: the scrape lies between the counts taken around it (the
        // churned pipe and the recycled pool move by at most 2 either way).
        XCTAssertGreaterThanOrEqual(open, Double(before - 2))
        XCTAssertLessThanOrEqual(open, Double(after + 2))
        XCTAssertEqual(samples.named("process_max_fds", who).first?.value, 4096)
        XCTAssertEqual(samples.named("fdhound_process_traced", who).first?.value, 1)
        let leaked = try XCTUnwrap(samples.named("fdhound_open_descriptors", who.merging(["code_path": codePath]) { a, _ in a }).first)
        XCTAssertEqual(leaked.labels["kind"], "file")
        XCTAssertEqual(samples.named("fdhound_open_descriptors", ["code_path": poolPath]).first?.value, 8,
                       "the pool stays level")
        // Projection: at the fitted rate the remaining room lasts `seconds`; rate × seconds + open = the limit.
        let rate = try XCTUnwrap(samples.named("fdhound_descriptors_per_second", who).first).value
        let seconds = try XCTUnwrap(samples.named("fdhound_seconds_to_exhaustion", who).first).value
        XCTAssertGreaterThan(rate, 0)
        XCTAssertLessThanOrEqual(rate, 1.5 / 0.020, "it cannot leak faster than one per tick on average")
        XCTAssertEqual(rate * seconds + open, 4096, accuracy: 16)
        XCTAssertEqual(samples.named("fdhound_code_path_seconds_to_exhaustion", ["code_path": codePath]).count, 1,
                       "the rising code path has its own projection")
        XCTAssertTrue(samples.named("fdhound_code_path_seconds_to_exhaustion", ["code_path": poolPath]).isEmpty,
                      "the level pool is not projected")
        XCTAssertTrue(leaking.isRunning, "scraping does not harm the program")
        let ended = server.stop()
        XCTAssertEqual(ended.status, 0, "SIGTERM ends fdhound metrics with status 0: \(ended.stderr)")

        // Held at its limit after EMFILE: nothing moves, so the scrape must equal /proc exactly. With --pid
        // (trace found from the memory map), next to an untraced process.
        let heldTraces = work.appendingPathComponent("held")
        let held = try BackgroundProcess([FDHoundCLI.executable, "run", "-o", heldTraces.path, "--",
                                          program.binaryPath, "64", "2000", "20", stop, "exhaust"])
        XCTAssertEqual(held.firstLine, "ready\n")
        let heldPID = try Self.tracedPID(in: heldTraces)
        let atLimit = try XCTUnwrap(Self.heldAtLimit(heldPID), "the program never reached its limit of 64")
        let untraced = Process()
        untraced.executableURL = URL(fileURLWithPath: "/bin/sleep")
        untraced.arguments = ["30"]
        try untraced.run()
        defer { untraced.terminate(); untraced.waitUntilExit() }

        let byPID = try MetricsServer(["--pid", String(heldPID), String(untraced.processIdentifier), "--top-code-paths", "2"])
        let scrape = try byPID.scrape()
        let heldWho = ["pid": String(heldPID), "program": "leak_steadily"]
        XCTAssertEqual(scrape.named("process_open_fds", heldWho).first?.value, Double(atLimit.count))
        XCTAssertEqual(scrape.named("process_max_fds", heldWho).first?.value, 64)
        let devNull = atLimit.filter { $0.key > 2 && $0.value == "/dev/null" }.count
        XCTAssertEqual(scrape.named("fdhound_open_descriptors", heldWho.merging(["code_path": codePath]) { a, _ in a }).first?.value,
                       Double(devNull))
        XCTAssertEqual(scrape.named("fdhound_open_descriptors", heldWho).count, 2, "--top-code-paths 2: no remainder here")
        let sleeper = ["pid": String(untraced.processIdentifier), "program": "sleep"]
        XCTAssertEqual(scrape.named("process_open_fds", sleeper).first?.value,
                       Double(Self.openDescriptors(untraced.processIdentifier).count))
        XCTAssertEqual(scrape.named("fdhound_process_traced", sleeper).first?.value, 0)
        XCTAssertTrue(scrape.named("fdhound_open_descriptors", ["pid": String(untraced.processIdentifier)]).isEmpty)
        // Anything else than GET /metrics is answered, not served.
        XCTAssertThrowsError(try HTTP.get("http://\(byPID.address)/nothing"))
        let stopped = byPID.stop()
        XCTAssertEqual(stopped.status, 0, stopped.stderr)

        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil))
        XCTAssertEqual(leaking.waitForExit().status, 0)
        XCTAssertEqual(held.waitForExit().status, 0)
    }

    func testRefusesBadAddressesAndRequestsAndStopsOnSIGINT() throws {
        let bad = try FDHoundCLI.run(["metrics", "--listen", "localhost", "--pid", "1"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        let neither = try FDHoundCLI.run(["metrics", "--listen", "127.0.0.1:0"])
        XCTAssertEqual(neither.status, 64, neither.stderr)
        let first = try MetricsServer(["--pid", String(getpid())])
        let taken = try FDHoundCLI.run(["metrics", "--listen", first.address, "--pid", String(getpid())])
        XCTAssertEqual(taken.status, 69, taken.stderr)
        XCTAssertTrue(taken.stderr.contains("cannot listen on"), taken.stderr)
        // What is not a GET of /metrics is answered with a status, and the server goes on serving.
        let status = { (extra: [String]) throws -> String in
            try Command.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20"] + extra
                            + ["http://\(first.address)/metrics"], timeout: 30).stdout
        }
        XCTAssertEqual(try status(["-X", "POST"]), "405")
        XCTAssertEqual(try status(["-H", "X-Big: " + String(repeating: "a", count: 20_000)]), "431")
        XCTAssertEqual(try status([]), "200")
        XCTAssertEqual(try first.scrape().named("process_open_fds", ["pid": String(getpid())]).count, 1)
        // SIGINT ends it with status 0 too.
        kill(first.process.pid, SIGINT)
        XCTAssertEqual(first.process.waitForExit().status, 0)
    }
}
