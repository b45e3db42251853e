// `fdhound live PID`: a process running under the shim shows the code paths holding its descriptors right
// now, read from its trace while it runs (found in --traces DIR, or from its memory map); any other process
// shows its count against RLIMIT_NOFILE only.
import Foundation
import XCTest

final class LiveCommandTests: XCTestCase {
    func testARunningTracedProcessShowsWhatHoldsItsDescriptors() throws {
        let workDirectory = try FDHoundCLI.temporaryDirectory("live")
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let program = try FixtureProgram.build("hold_files_until_killed", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces")
        let held = try HeldProcess(program, tracesIn: traces)
        defer { held.kill(SIGKILL) }
        XCTAssertEqual(held.firstOutput, "holding\n")

        let pid = String(held.pid)
        let live = try FDHoundCLI.run(["live", pid, "--traces", traces.path, "--once"])
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertTrue(live.stdout.contains("pid \(pid)"), live.stdout)
        XCTAssertTrue(live.stdout.contains("descriptors open of RLIMIT_NOFILE"), live.stdout)
        let line = try program.line(ofMark: "hold_files_until_killed")
        XCTAssertTrue(live.stdout.contains("3 × file  opened by open in hold_files_until_killed at hold_files_until_killed.c:\(line)"),
                      live.stdout)

        // Without --traces the trace is found from the process's memory map.
        let mapped = try FDHoundCLI.run(["live", pid, "--once"])
        XCTAssertEqual(mapped.status, 0, mapped.stderr)
        XCTAssertTrue(mapped.stdout.contains("3 × file  opened by open in hold_files_until_killed"), mapped.stdout)

        // A process that is not traced (this test runner) shows its count against the limit only.
        let untraced = try FDHoundCLI.run(["live", String(getpid()), "--once"])
        XCTAssertEqual(untraced.status, 0, untraced.stderr)
        XCTAssertTrue(untraced.stdout.contains("Not running under fdhound"), untraced.stdout)
    }

    func testTheShimsParkedPipeIsNotCountedAsTheProgramsOwn() throws {
        let workDirectory = try FDHoundCLI.temporaryDirectory("live-parked")
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let program = try FixtureProgram.build("hold_files_until_killed", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces")
        // The shim holds libunwind's pipe only once libunwind has walked a stack; in verify mode it walks
        // every capture, so the pipe is made (and parked) at the program's first open.
        let held = try HeldProcess(program, tracesIn: traces, settings: ["FDHOUND_UNWIND_VERIFY": "1"])
        defer { held.kill(SIGKILL) }
        XCTAssertEqual(held.firstOutput, "holding\n")
        let proc = "/proc/\(held.pid)"
        let numbers = try FileManager.default.contentsOfDirectory(atPath: "\(proc)/fd").compactMap { Int($0) }
        // libunwind's pipe, parked by the shim just under the soft limit: both ends of one pipe.
        let limits = try String(contentsOfFile: "\(proc)/limits", encoding: .utf8)
        let soft = try XCTUnwrap(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
            .flatMap { Int($0.dropFirst("Max open files".count).split(separator: " ")[0]) })
        let parked = numbers.filter { $0 >= min(soft, 1 << 20) - 2 }.sorted()
        guard parked.count == 2 else { throw XCTSkip("no parked libunwind pipe (libunwind missing?): \(numbers)") }
        let live = try FDHoundCLI.run(["live", String(held.pid), "--traces", traces.path, "--once"])
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertTrue(live.stdout.contains("\(numbers.count - 2) descriptors open of RLIMIT_NOFILE"), "\(numbers): \(live.stdout)")
        XCTAssertTrue(live.stdout.contains("not counted: fdhound's own pipe, fds \(parked[0]), \(parked[1])"), live.stdout)
    }

    func testANonexistentProcessIsAClearError() throws {
        let result = try FDHoundCLI.run(["live", "999999999", "--once"])
        XCTAssertEqual(result.status, 69)
        XCTAssertTrue(result.stderr.contains("no process 999999999"), result.stderr)
    }
}
