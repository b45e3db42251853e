// fdhound never changes the host beyond its own traces: `check` and `demo` without -o trace into a fresh
// mkdtemp directory (unpredictable, 0700) that is removed afterwards, and `run -o DIR` removes only old
// trace files — a directory, symlink, FIFO or foreign file named like a trace makes it refuse, untouched.
import Foundation
import XCTest

final class OutputDirectoryTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    func testCheckTracesIntoAPrivateUnpredictableDirectoryAndRemovesIt() throws {
        let tmp = workDirectory.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: false)
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = tmp.path
        // The traced shell reports where it is traced to, the directory's mode and its parent's pid (fdhound's).
        let script = "echo \"dir=$FDHOUND_OUTPUT_DIR\"; stat -c 'mode=%a' \"$FDHOUND_OUTPUT_DIR\"; echo \"ppid=$PPID\""
        let result = try FDHoundCLI.run(["check", "--", "/bin/sh", "-c", script], environment: environment)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let directory = try XCTUnwrap(lines.first { $0.hasPrefix("dir=") }?.dropFirst(4), result.stdout + result.stderr)
        let ppid = try XCTUnwrap(lines.first { $0.hasPrefix("ppid=") }?.dropFirst(5))
        XCTAssertTrue(directory.hasPrefix(tmp.path + "/fdhound-check-"), String(directory))
        XCTAssertNotEqual(String(directory), tmp.path + "/fdhound-check-\(ppid)", "the name must not be the pid")
        XCTAssertTrue(lines.contains("mode=700"), result.stdout)
        XCTAssertTrue(result.stderr.contains("check passed") || result.stderr.contains("check failed"),
                      "the check ran and read its traces: \(result.stderr)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [], "removed afterwards")
    }

    func testRunReplacesOnlyItsOwnOldTraces() throws {
        let traces = workDirectory.appendingPathComponent("traces")
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", traces.path, "--", "/bin/true"]).status, 0)
        let first = try traceNames(in: traces)
        XCTAssertFalse(first.isEmpty, "the shim wrote a trace")
        let notes = traces.appendingPathComponent("notes.txt")
        try Data("mine".utf8).write(to: notes)
        // An old trace cut short at start-up is fdhound's too.
        try Data().write(to: traces.appendingPathComponent("fdhound.1.trace"))

        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", traces.path, "--", "/bin/true"]).status, 0)
        let second = try traceNames(in: traces)
        XCTAssertFalse(second.isEmpty)
        XCTAssertTrue(Set(first).isDisjoint(with: second), "old traces replaced: \(first) → \(second)")
        XCTAssertFalse(second.contains("fdhound.1.trace"))
        XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "mine", "other files are left alone")
    }

    func testRunRefusesAnythingNamedLikeATraceThatIsNotOne() throws {
        let traces = workDirectory.appendingPathComponent("traces")
        try FileManager.default.createDirectory(at: traces, withIntermediateDirectories: false)
        let precious = workDirectory.appendingPathComponent("precious")
        try FileManager.default.createDirectory(at: precious, withIntermediateDirectories: false)
        try Data("data".utf8).write(to: precious.appendingPathComponent("keep.txt"))

        let directoryLikeATrace = traces.appendingPathComponent("fdhound.7.trace")
        try FileManager.default.createDirectory(at: directoryLikeATrace, withIntermediateDirectories: false)
        try Data("data".utf8).write(to: directoryLikeATrace.appendingPathComponent("keep.txt"))
        try expectRefusal(traces, naming: "fdhound.7.trace is a directory")
        try FileManager.default.removeItem(at: directoryLikeATrace)

        try FileManager.default.createSymbolicLink(at: directoryLikeATrace, withDestinationURL: precious)
        try expectRefusal(traces, naming: "fdhound.7.trace is a symbolic link")
        try FileManager.default.removeItem(at: directoryLikeATrace)

        try Data("not a trace, someone's data".utf8).write(to: directoryLikeATrace)
        try expectRefusal(traces, naming: "fdhound.7.trace is a file that is not an fdhound trace")
        XCTAssertEqual(try String(contentsOf: directoryLikeATrace, encoding: .utf8), "not a trace, someone's data")
        XCTAssertEqual(try String(contentsOf: precious.appendingPathComponent("keep.txt"), encoding: .utf8), "data")
    }

    private func expectRefusal(_ traces: URL, naming problem: String, line: UInt = #line) throws {
        let marker = workDirectory.appendingPathComponent("ran")
        let result = try FDHoundCLI.run(["run", "-q", "-o", traces.path, "--", "/usr/bin/touch", marker.path])
        XCTAssertEqual(result.status, 69, result.stderr, line: line)
        XCTAssertTrue(result.stderr.contains(problem), result.stderr, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "the command must not run", line: line)
        let keep = traces.appendingPathComponent("fdhound.7.trace/keep.txt").path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: traces.appendingPathComponent("fdhound.7.trace").path,
                                          isDirectory: &isDirectory), isDirectory.boolValue {
            XCTAssertTrue(FileManager.default.fileExists(atPath: keep), "nothing inside was deleted", line: line)
        }
    }

    private func traceNames(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".trace") }.sorted()
    }
}
