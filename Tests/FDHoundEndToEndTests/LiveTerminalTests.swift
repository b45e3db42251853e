// `fdhound live PID` on a real terminal: run under script(1), which gives it a pseudo-terminal, takes the
// keys we type on its standard input and hands back what was drawn. The view refreshes in place on the
// alternate screen, the sort keys change the order, q quits with status 0 and leaves the alternate screen,
// and the view ends by itself when the watched process exits. (tmux was tried first: a tmux server started
// from the test runner did not survive its client here.) Everything started is bounded and stopped by pid.
import Foundation
import XCTest

final class LiveTerminalTests: XCTestCase {
    /// `fdhound live` inside script(1), with its terminal output collected as it comes.
    private final class TerminalRun: @unchecked Sendable {
        let process = Process()
        let keys = Pipe()
        private let screen = Pipe()
        private let lock = NSLock()
        private var bytes = Data()

        init(_ command: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-q", "-e", "-c", command, "/dev/null"]
            process.standardInput = keys
            process.standardOutput = screen
            process.standardError = screen
            screen.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let chunk = handle.availableData
                guard let self, !chunk.isEmpty else { return }
                self.lock.lock(); self.bytes.append(chunk); self.lock.unlock()
            }
            try process.run()
        }

        var output: String { lock.lock(); defer { lock.unlock() }; return String(decoding: bytes, as: UTF8.self) }

        func type(_ key: String) { keys.fileHandleForWriting.write(Data(key.utf8)) }

        func waitFor(_ text: String) -> Bool { Poll.until { output.contains(text) ? true : nil } ?? false }

        /// Its exit status, bounded: killed by pid if it has not ended after the fixture's own limit.
        func finish() -> Int32 {
            let ended = Poll.until(attempts: 300) { process.isRunning ? nil : true } ?? false
            if !ended { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            screen.fileHandleForReading.readabilityHandler = nil
            return process.terminationStatus
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    func testTheTerminalViewRefreshesSortsQuitsAndEndsWithTheProcess() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("no script(1) (util-linux)") }
        let work = try FDHoundCLI.temporaryDirectory("live-tty")
        defer { try? FileManager.default.removeItem(at: work) }
        let program = try FixtureProgram.build("leak_steadily", in: work)
        let stop = work.appendingPathComponent("stop").path
        let traces = work.appendingPathComponent("traces")
        let run = try BackgroundProcess([FDHoundCLI.executable, "run", "-o", traces.path, "--",
                                         program.binaryPath, "4096", "20000", "100000", stop])
        defer { _ = FileManager.default.createFile(atPath: stop, contents: nil); _ = run.waitForExit() }
        XCTAssertEqual(run.firstLine, "ready\n")
        let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: traces.path).first { $0.hasSuffix(".trace") })
        let pid = String(name.split(separator: ".")[1])
        let command = "'\(FDHoundCLI.executable)' live \(pid) --interval 0.3"

        let first = try TerminalRun(command)
        XCTAssertTrue(first.waitFor("sorted by count"), first.output)
        XCTAssertTrue(first.output.contains("\u{1B}[?1049h"), "drawn on the alternate screen")
        XCTAssertTrue(first.output.contains("fdhound live — pid \(pid)"), first.output)
        XCTAssertTrue(first.output.contains("open in leak_one_per_tick"), first.output)
        XCTAssertTrue(first.waitFor("descriptors/s"), "a second look gives a rate: \(first.output)")
        XCTAssertTrue(first.output.contains("\u{1B}[H"), "each refresh starts at the top-left corner, over the last")
        first.type("g")
        XCTAssertTrue(first.waitFor("sorted by growth"), first.output)
        first.type("q")
        XCTAssertEqual(first.finish(), 0, first.output)
        XCTAssertTrue(first.output.contains("\u{1B}[?1049l"), "the shell's screen is given back")
        XCTAssertTrue(run.isRunning)

        let second = try TerminalRun(command)
        XCTAssertTrue(second.waitFor("sorted by count"), second.output)
        XCTAssertTrue(FileManager.default.createFile(atPath: stop, contents: nil))
        XCTAssertEqual(run.waitForExit().status, 0)
        XCTAssertEqual(second.finish(), 0, second.output)
        XCTAssertTrue(second.output.contains("fdhound live: process \(pid) has exited"), second.output)
    }
}
