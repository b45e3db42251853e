// Trace discovery never hangs and never lets one odd file make a run unreadable: FIFOs, sockets,
// directories and files cut short at start-up that are named like traces are skipped with a warning naming
// them; a directory where nothing is readable is still an error. Every read is bounded by a deadline so a
// regression fails the test instead of hanging it.
import FDHoundTestSupport
import Foundation
import XCTest
@testable import FDHoundCore

final class TraceDiscoveryTests: XCTestCase {
    /// Runs `body` on another thread and fails (instead of hanging) if it has not returned in time.
    private func withDeadline<T>(_ what: String, _ body: @escaping @Sendable () throws -> T) throws -> Result<T, Error> {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.result = Result { try body() }
            done.signal()
        }
        guard done.wait(timeout: .now() + 30) == .success, let result = box.result else {
            XCTFail("\(what) did not return within 30 s (blocked on a FIFO?)")
            throw XCTSkip("hung")
        }
        return result
    }

    private func makeFIFO(_ url: URL) throws {
        XCTAssertEqual(mkfifo(url.path, 0o600), 0, "mkfifo: \(String(cString: strerror(errno)))")
    }

    func testFIFOSocketAndDirectoryNamedLikeTracesAreSkippedWithoutReading() throws {
        let directory = try TemporaryDirectory.make("discovery-special")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TraceBuilder(pid: 10).write(into: directory)
        try makeFIFO(directory.appendingPathComponent("fdhound.11.trace"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("fdhound.12.trace"),
                                                withIntermediateDirectories: false)
        let socketPath = directory.appendingPathComponent("fdhound.13.trace").path
        let listener = try UnixSocket.bound(to: socketPath)
        defer { close(listener) }

        let path = directory.path
        let (traces, skipped) = try withDeadline("scan") { try TraceSet.scan(path: path) }.get()
        XCTAssertEqual(traces.map(\.header.pid), [10])
        XCTAssertEqual(skipped.map { ($0.path as NSString).lastPathComponent },
                       ["fdhound.11.trace", "fdhound.12.trace", "fdhound.13.trace"])
        XCTAssertEqual(skipped.map(\.reason), ["not a regular file (a FIFO), not read",
                                               "not a regular file (a directory), not read",
                                               "not a regular file (a socket), not read"])
        // The report says so, naming each file.
        let report = try withDeadline("report") {
            var options = ReportOptions()
            options.symbolizer = FakeSymbolizer()
            return try ReportBuilder.build(tracePath: path, options: options)
        }.get()
        for name in ["fdhound.11.trace", "fdhound.12.trace", "fdhound.13.trace"] {
            XCTAssertTrue(report.warnings.contains { $0.contains(name) && $0.contains("not a regular file") },
                          "\(name) in \(report.warnings)")
        }
    }

    func testAFIFOGivenAsTheTraceIsAnErrorNotAHang() throws {
        let directory = try TemporaryDirectory.make("discovery-fifo")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fdhound.11.trace")
        try makeFIFO(fifo)
        let path = fifo.path
        let result = try withDeadline("TraceFile") { try TraceFile(path: path) }
        XCTAssertThrowsError(try result.get()) { error in
            XCTAssertEqual("\(error)", "\(path): not a regular file (a FIFO)")
        }
        let dirPath = directory.path
        let scan = try withDeadline("scan") { try TraceSet.scan(path: dirPath) }
        XCTAssertThrowsError(try scan.get()) { error in
            XCTAssertTrue("\(error)".hasPrefix("no readable fdhound traces in \(dirPath) (skipped fdhound.11.trace: "
                + "not a regular file (a FIFO)"), "\(error)")
        }
        // A baseline that is a FIFO is refused the same way.
        let baseline = try withDeadline("baseline") { try Baseline(path: path) }
        XCTAssertThrowsError(try baseline.get()) { error in
            XCTAssertTrue("\(error)".contains("not a regular file (a FIFO)"), "\(error)")
        }
    }

    func testFilesCutShortAtStartUpAreSkippedWhenOthersAreReadable() throws {
        let directory = try TemporaryDirectory.make("discovery-short")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TraceBuilder(pid: 10).write(into: directory)
        for (pid, size) in [(11, 0), (12, 1), (13, 7)] {
            try Data(repeating: 0x46, count: size).write(to: directory.appendingPathComponent("fdhound.\(pid).trace"))
        }
        let (traces, skipped) = try TraceSet.scan(path: directory.path)
        XCTAssertEqual(traces.map(\.header.pid), [10])
        XCTAssertEqual(skipped.map(\.reason), [0, 1, 7].map {
            "only \($0) bytes, too short to hold a trace header (its process was killed while starting)"
        })
        // Eight bytes that are not the magic are not "short": that is a foreign or corrupt file.
        try Data(repeating: 0x46, count: 8).write(to: directory.appendingPathComponent("fdhound.14.trace"))
        XCTAssertThrowsError(try TraceSet.scan(path: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("fdhound.14.trace"), "\(error)")
        }
    }

    func testADanglingSymlinkNamedLikeATraceIsSkipped() throws {
        let directory = try TemporaryDirectory.make("discovery-dangling")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TraceBuilder(pid: 10).write(into: directory)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("fdhound.11.trace").path,
                                                   withDestinationPath: "/nonexistent/fdhound")
        let (traces, skipped) = try TraceSet.scan(path: directory.path)
        XCTAssertEqual(traces.map(\.header.pid), [10])
        XCTAssertEqual(skipped.map(\.reason), ["gone since the directory was listed, or a dangling symlink"])
    }

    func testADirectoryWhereNothingIsReadableIsStillAnError() throws {
        let directory = try TemporaryDirectory.make("discovery-nothing")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data().write(to: directory.appendingPathComponent("fdhound.11.trace"))
        XCTAssertThrowsError(try TraceSet.scan(path: directory.path)) { error in
            XCTAssertEqual("\(error)", "no readable fdhound traces in \(directory.path) (skipped fdhound.11.trace: "
                + "only 0 bytes, too short to hold a trace header (its process was killed while starting))")
        }
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
