// End to end, issue 3's descriptor families: eventfd, timerfd, signalfd, epoll, inotify, memfd, mkstemp,
// tmpfile, popen, socketpair, ptys and pidfds, each leaked from its own helper next to a twin that closes.
import Foundation
import XCTest

final class ApiFamilyTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    func testEveryLinuxFamilyIsGroupedUnderItsHelperWithExactCountKindAndLine() throws {
        let program = try FixtureProgram.build("leak_linux_fds", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        let leaks = LeakView.all(in: try FDHoundCLI.jsonReport(traces))

        // helper → (descriptors leaked, kind, opening api)
        let expected: [String: (Int, String, String)] = [
            "leak_eventfd": (2, "eventfd", "eventfd"),
            "leak_timerfd": (3, "timerfd", "timerfd_create"),
            "leak_signalfd": (4, "signalfd", "signalfd"),
            "leak_epoll": (5, "epoll", "epoll_create1"),
            "leak_inotify": (6, "inotify", "inotify_init1"),
            "leak_memfd": (7, "memfd", "memfd_create"),
            "leak_mkstemp": (8, "file", "mkstemp"),
            "leak_tmpfile": (9, "file", "tmpfile"),
            "leak_popen": (2, "pipe", "popen"),
            "leak_socketpair": (22, "unix-socket", "socketpair"), // 11 pairs, both ends
            "leak_pty": (13, "pty", "posix_openpt"),
            "leak_pidfd": (14, "pidfd", "pidfd_open"),
        ]
        for (helper, (count, kind, api)) in expected {
            let matching = leaks.filter { $0.culpritFunction == helper }
            XCTAssertEqual(matching.count, 1, "\(helper): expected one group, got \(matching.map(\.raw))")
            guard let leak = matching.first else { continue }
            XCTAssertEqual(leak.count, count, "\(helper) count")
            XCTAssertEqual(leak.kind, kind, "\(helper) kind")
            XCTAssertEqual(leak.raw["api"] as? String, api, "\(helper) api")
            XCTAssertEqual(leak.culpritLine, try program.line(ofMark: helper), "\(helper) line")
        }
        let blamed = Set(leaks.flatMap(\.stackFunctions))
        for twin in expected.keys.map({ $0.replacingOccurrences(of: "leak_", with: "close_") }) {
            XCTAssertFalse(blamed.contains(twin), "\(twin) closes correctly but was blamed")
        }
        XCTAssertEqual(leaks.count, expected.count, "unexpected groups: \(leaks.map(\.culpritFunction))")

        // The memfd's name and the pty device are what the samples show.
        let memfd = leaks.first { $0.culpritFunction == "leak_memfd" }
        XCTAssertTrue((memfd?.raw["samples"] as? [String] ?? []).contains { $0.contains("memfd:fixture-cache") },
                      "\(memfd?.raw ?? [:])")
    }
}

/// Sockets whose peer hung up while the program kept them: flagged CLOSE_WAIT in the report.
final class CloseWaitTests: XCTestCase {
    func testConnectionsThePeerClosedAreFlaggedCloseWait() throws {
        let workDirectory = try FDHoundCLI.temporaryDirectory("closewait")
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let program = try FixtureProgram.build("close_wait_server", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        let leaks = LeakView.all(in: try FDHoundCLI.jsonReport(traces))
        XCTAssertEqual(leaks.count, 1, "\(leaks.map(\.raw))")
        let leak = try XCTUnwrap(leaks.first)
        XCTAssertEqual(leak.culpritFunction, "serve_without_close")
        XCTAssertEqual(leak.culpritLine, try program.line(ofMark: "serve_without_close"))
        XCTAssertEqual(leak.count, 3)
        XCTAssertEqual(leak.kind, "inet-socket")
        XCTAssertEqual(leak.raw["api"] as? String, "accept")
        XCTAssertEqual(leak.raw["closeWait"] as? Int, 3)
        XCTAssertTrue((leak.raw["samples"] as? [String] ?? []).allSatisfy { $0.contains("[CLOSE_WAIT]") && $0.contains("127.0.0.1:") },
                      "\(leak.raw["samples"] ?? [])")
        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertTrue(text.stdout.contains("3 in CLOSE_WAIT at exit: the peer hung up and this process never closed them"),
                      text.stdout)
    }
}
