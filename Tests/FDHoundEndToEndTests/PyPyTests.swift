// End to end on PyPy (Debian's pypy3, installed by tools/setup): fdhound cannot read PyPy's Python frames,
// and the report must say so on the process line and in JSON instead of showing bare libpypy frames.
import Foundation
import XCTest

final class PyPyTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    func testProcessLineSaysWhyPythonFramesAreUnavailable() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pypy3") else {
            throw XCTSkip("no /usr/bin/pypy3 (tools/setup installs Debian's pypy3)")
        }
        let traces = workDirectory.appendingPathComponent("traces").path
        let program = "import socket, os\nKEEP = [socket.socket()]\nos._exit(0)\n"
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", "/usr/bin/pypy3", "-c", program])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        XCTAssertEqual(leaks.map { $0["kind"] as? String }, ["inet-socket"], "the leak is recorded")
        let python = (report["processes"] as? [[String: Any]] ?? []).compactMap { $0["python"] as? String }
        XCTAssertEqual(python.count, 1)
        XCTAssertTrue(python.first?.hasPrefix("PyPy") == true && python.first?.contains("native stacks only") == true,
                      "\(python)")
        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertTrue(text.stdout.contains("\n    python: PyPy"), text.stdout)
    }
}
