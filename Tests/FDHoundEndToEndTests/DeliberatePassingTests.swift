// End to end, issue 7's process defects: vfork stays vfork (6), children the fork hook did not make never
// erase the parent's leaks (8), and descriptors passed to another program on purpose are not called leaks
// (10) — on a C fixture (pass_descriptors_on_purpose.c) and on the real programs that do it: Python's
// subprocess pass_fds, multiprocessing spawn and forkserver, bash process substitution.
import Foundation
import XCTest

final class DeliberatePassingTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// `fdhound run -o traces -- command…`, then its JSON report.
    private func traced(_ command: [String]) throws -> (status: Int32, report: [String: Any]) {
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "--quiet", "-o", traces, "--"] + command)
        let report = try FDHoundCLI.jsonReport(traces)
        XCTAssertFalse((report["processes"] as? [Any] ?? []).isEmpty, "nothing was traced")
        return (run.status, report)
    }

    private func groups(_ key: String, in report: [String: Any]) -> [LeakView] {
        (report[key] as? [[String: Any]] ?? []).map(LeakView.init)
    }

    func testOnlyRealLeaksCrossExecAndVforkStaysVfork() throws {
        let program = try FixtureProgram.build("pass_descriptors_on_purpose", in: workDirectory)
        let (status, report) = try traced([program.binaryPath])
        XCTAssertEqual(status, 0, "3: the parent did not see its vfork child's exec failure; 4: a child failed")

        let leaks = groups("execLeaks", in: report)
        XCTAssertEqual(leaks.map(\.culpritFunction), ["leak_pipe_into_vfork_child"], "\(leaks.map(\.raw))")
        XCTAssertEqual(leaks.first?.count, 2, "both ends of the pipe crossed vfork+exec")
        XCTAssertEqual(leaks.first?.culpritLine, try program.line(ofMark: "leak_pipe_into_vfork_child"))
        XCTAssertTrue((leaks.first?.raw["intoProgram"] as? String ?? "").hasSuffix("/true"))

        let passed = groups("execPassed", in: report)
        let passedFunctions = Set(passed.flatMap(\.stackFunctions))
        for helper in ["open_passed_by_fcntl", "open_passed_by_dup2", "open_passed_through_vfork",
                       "open_named_on_command_line"] {
            XCTAssertTrue(passedFunctions.contains(helper), "\(helper) not shown as passed: \(passed.map(\.raw))")
        }
        XCTAssertTrue(passed.allSatisfy { !($0.raw["passedBecause"] as? String ?? "").isEmpty })
        let leakedFunctions = Set(leaks.flatMap(\.stackFunctions))
        for helper in ["open_passed_by_fcntl", "open_passed_by_dup2", "open_passed_through_vfork",
                       "open_passed_by_spawn_action", "open_named_on_command_line"] {
            XCTAssertFalse(leakedFunctions.contains(helper), "\(helper) called a leak")
        }

        // The _Fork and clone children closed their copies: the parent's descriptor is still its leak.
        let survivor = LeakView.all(in: report).filter { $0.culpritFunction == "leak_survives_untraced_children" }
        XCTAssertEqual(survivor.map(\.count), [1], "\(LeakView.all(in: report).map(\.raw))")
        XCTAssertEqual(survivor.first?.culpritLine, try program.line(ofMark: "leak_survives_untraced_children"))
    }

    /// Debian's python3 (any CPython 3 does: PEP 446 descriptors are close-on-exec).
    private func python() throws -> String {
        let path = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: path) else { throw XCTSkip("no \(path)") }
        return path
    }

    private var pythonFixture: String {
        FixtureProgram.fixturesDirectory.deletingLastPathComponent()
            .appendingPathComponent("python/pass_descriptors.py").path
    }

    private func assertPythonPassesOnPurpose(_ mode: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, report) = try traced([try python(), pythonFixture, mode])
        XCTAssertEqual(status, 0, "\(mode): the passed descriptor did not work", file: file, line: line)
        let leaks = groups("execLeaks", in: report)
        XCTAssertEqual(leaks.count, 0, "\(mode): \(leaks.map(\.raw))", file: file, line: line)
        let passed = groups("execPassed", in: report)
        XCTAssertFalse(passed.isEmpty, "\(mode): the passed descriptors were not seen crossing", file: file, line: line)
        XCTAssertTrue(passed.allSatisfy { ($0.raw["intoProgram"] as? String ?? "").contains("python") },
                      "\(mode): \(passed.map(\.raw))", file: file, line: line)
    }

    func testPythonSubprocessPassFdsIsNotALeak() throws {
        try assertPythonPassesOnPurpose("subprocess")
    }

    func testMultiprocessingSpawnIsNotALeak() throws {
        try assertPythonPassesOnPurpose("spawn")
    }

    func testMultiprocessingForkserverIsNotALeak() throws {
        try assertPythonPassesOnPurpose("forkserver")
    }

    func testBashProcessSubstitutionPassesItsPipesToDiff() throws {
        let (status, report) = try traced(["/bin/bash", "-c", "diff <(echo same) <(echo same)"])
        XCTAssertEqual(status, 0)
        let intoDiff = { (group: LeakView) in (group.raw["intoProgram"] as? String ?? "").hasSuffix("/diff") }
        XCTAssertEqual(groups("execLeaks", in: report).filter(intoDiff).count, 0, "\(groups("execLeaks", in: report).map(\.raw))")
        let passed = groups("execPassed", in: report).filter(intoDiff)
        XCTAssertEqual(passed.map(\.count).reduce(0, +), 2, "diff /dev/fd/63 /dev/fd/62: \(passed.map(\.raw))")
        XCTAssertEqual(passed.first?.raw["kind"] as? String, "pipe")
    }
}
