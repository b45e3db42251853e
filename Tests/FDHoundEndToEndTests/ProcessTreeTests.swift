// End to end, issue 3's processes and misuse on one fixture (process_tree.c): fork without exec (the
// child's own leaks, and what it inherited with the parent's stack), fork+exec and posix_spawn crossings
// ("leaked into" the new program), SCM_RIGHTS, a signal handler, threads, a double close and a raw close of
// a FILE*'s descriptor. Every assertion names the helper and the exact count.
import Foundation
import XCTest

final class ProcessTreeTests: XCTestCase {
    private var workDirectory: URL!
    private var program: FixtureProgram!
    private var report: [String: Any] = [:]
    private var runStderr = ""

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
        program = try FixtureProgram.build("process_tree", in: workDirectory, extraFlags: ["-pthread"])
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        runStderr = run.stderr
        report = try FDHoundCLI.jsonReport(traces)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private var rootPid: Int? {
        (report["processes"] as? [[String: Any]])?.first { ($0["executable"] as? String) == program.binaryPath
            && ($0["state"] as? String) == "exited" && ($0["ppid"] as? Int) != nil }
            .flatMap { process in
                // the root is the one whose parent is not itself a traced process
                let pids = Set((report["processes"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int })
                return pids.contains(process["ppid"] as? Int ?? -1) ? nil : process["pid"] as? Int
            }
    }

    /// `run`'s exit line is built from fewer passes and symbolizes neither exec leaks nor misuse (it prints
    /// their counts only): its counts are the full report's all the same.
    func testTheExitSummaryCountsWhatTheFullReportHolds() throws {
        func total(_ key: String) -> Int {
            (report[key] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
        }
        func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        let line = runStderr.split(separator: "\n").last { $0.hasPrefix("fdhound: ") }.map(String.init) ?? ""
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        XCTAssertGreaterThan(total("execLeaks"), 0)
        XCTAssertGreaterThan(total("misuse"), 0)
        XCTAssertTrue(line.contains("\(plural(total("leaks"), "descriptor")) left open in \(plural(leaks.count, "code path"))"), line)
        XCTAssertTrue(line.contains("\(plural(total("execLeaks"), "descriptor")) leaked across exec"), line)
        XCTAssertTrue(line.contains(", \(plural(total("misuse"), "misuse"))"), line)
    }

    func testLeaksOfEveryProcessAreGroupedUnderTheirHelpers() throws {
        let leaks = LeakView.all(in: report)
        let expected: [String: (count: Int, kind: String, api: String)] = [
            "thread_leak_sockets": (20, "inet6-socket", "socket"), // 4 threads × 5
            "child_leak_files": (3, "file", "open"),              // in the forked child
            "receive_descriptors": (2, "file", "recvmsg"),         // SCM_RIGHTS from another process
            "on_sigusr1": (1, "file", "open"),                     // inside a signal handler
        ]
        XCTAssertEqual(Set(leaks.map(\.culpritFunction)), Set(expected.keys), "\(leaks.map(\.raw))")
        for leak in leaks {
            guard let want = expected[leak.culpritFunction] else { continue }
            XCTAssertEqual(leak.count, want.count, leak.culpritFunction)
            XCTAssertEqual(leak.kind, want.kind, leak.culpritFunction)
            XCTAssertEqual(leak.raw["api"] as? String, want.api, leak.culpritFunction)
            XCTAssertEqual(leak.culpritLine, try program.line(ofMark: leak.culpritFunction), leak.culpritFunction)
        }
        // The child's leak is the child's: another pid than the process that forked it.
        let childLeak = leaks.first { $0.culpritFunction == "child_leak_files" }
        let childPids = childLeak?.raw["pids"] as? [Int] ?? []
        XCTAssertEqual(childPids.count, 1)
        XCTAssertNotEqual(childPids.first, rootPid)
        // The handler's stack goes through the signal frame back to main.
        let handler = leaks.first { $0.culpritFunction == "on_sigusr1" }
        XCTAssertTrue(handler?.stackFunctions.contains("main") ?? false, "\(handler?.stackFunctions ?? [])")
        let blamed = Set(leaks.flatMap(\.stackFunctions))
        XCTAssertFalse(blamed.contains("start_worker_correct"))
        XCTAssertFalse(blamed.contains("open_shared_config"), "inherited by the child: not its leak")
    }

    func testDescriptorsWithoutCloexecAreReportedAsLeakedIntoTheExecdProgram() throws {
        let crossings = report["execLeaks"] as? [[String: Any]] ?? []
        func culprit(_ group: [String: Any]) -> [String: Any] { group["culprit"] as? [String: Any] ?? [:] }
        XCTAssertEqual(crossings.count, 2, "\(crossings)")
        let pipe = crossings.first { culprit($0)["function"] as? String == "start_worker_leaky" }
        XCTAssertEqual(pipe?["count"] as? Int, 2, "both ends of the pipe crossed fork+exec")
        XCTAssertEqual(pipe?["kind"] as? String, "pipe")
        XCTAssertEqual(pipe?["api"] as? String, "pipe")
        XCTAssertTrue((pipe?["intoProgram"] as? String ?? "").hasSuffix("/true"), "\(pipe ?? [:])")
        XCTAssertEqual(pipe.map(culprit)?["line"] as? Int, try program.line(ofMark: "start_worker_leaky"))
        let socket = crossings.first { culprit($0)["function"] as? String == "spawn_leaky" }
        XCTAssertEqual(socket?["count"] as? Int, 1, "the socket crossed posix_spawn")
        XCTAssertEqual(socket?["kind"] as? String, "inet-socket")
        XCTAssertEqual(socket.map(culprit)?["line"] as? Int, try program.line(ofMark: "spawn_leaky"))
    }

    func testInheritedDescriptorKeepsTheParentsOpeningStack() throws {
        let inherited = report["inherited"] as? [[String: Any]] ?? []
        let config = inherited.filter { item in
            (item["stack"] as? [[String: Any]] ?? []).contains { $0["function"] as? String == "open_shared_config" }
        }
        XCTAssertEqual(config.count, 1, "the forked worker inherited the config descriptor: \(inherited)")
        XCTAssertEqual(config.first?["openedByPid"] as? Int, rootPid)
        XCTAssertNotEqual(config.first?["pid"] as? Int, rootPid)
    }

    func testDoubleCloseAndOwnerViolationAreReportedWithTheirStacks() throws {
        let misuse = report["misuse"] as? [[String: Any]] ?? []
        func site(_ group: [String: Any], _ key: String) -> [String: Any]? {
            (group[key] as? [String: Any])?["culprit"] as? [String: Any]
        }
        XCTAssertEqual(misuse.count, 3, "\(misuse)")
        let double = misuse.first { site($0, "close")?["function"] as? String == "double_close_bug" }
        XCTAssertEqual(double?["kind"] as? String, "double-close")
        XCTAssertEqual(double.flatMap { site($0, "close") }?["line"] as? Int, try program.line(ofMark: "double_close_bug"))
        XCTAssertEqual(double.flatMap { site($0, "earlierClose") }?["line"] as? Int,
                       try program.line(ofMark: "double_close_bug") - 1)
        XCTAssertEqual(double.flatMap { site($0, "open") }?["function"] as? String, "double_close_bug")

        let owner = misuse.first { $0["kind"] as? String == "owner-violation" }
        XCTAssertEqual(owner?["owner"] as? String, "FILE*")
        XCTAssertEqual(owner.flatMap { site($0, "close") }?["line"] as? Int, try program.line(ofMark: "owner_violation_bug"))
        // fclose then closes a number that is no longer open: a double close, at the fclose.
        let fclose = misuse.first { site($0, "close")?["line"] as? Int == (try? program.line(ofMark: "owner_violation_fclose")) }
        XCTAssertEqual(fclose?["kind"] as? String, "double-close", "\(misuse)")
    }
}
