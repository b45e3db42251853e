// End to end on PyPy (Debian's pypy3, installed by tools/setup). The shim cannot read PyPy's Python frames;
// `fdhound run` loads fdhound's Python helper into PyPy, which hands the Python stack of descriptor-creating
// calls to the shim, so a PyMySQL-shaped leak is blamed on the driver's Connection.connect and the
// application code that called it. Without the helper the process line says why there are no Python frames.
import Foundation
import XCTest

final class PyPyTests: XCTestCase {
    private var workDirectory: URL!
    private static let pypy = "/usr/bin/pypy3"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.pypy) else {
            throw XCTSkip("no \(Self.pypy) (tools/setup installs Debian's pypy3)")
        }
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        if let workDirectory { try? FileManager.default.removeItem(at: workDirectory) }
    }

    private var fixture: String { ReclaimedPythonTests.fixture("pypy_force_close.py") }

    func testHelperNamesTheDriverAndItsCallerOnPyPy() throws {
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", Self.pypy, fixture])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "done\n")
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        XCTAssertEqual(leaks.count, 1, "\(leaks)")
        guard let leak = leaks.first else { return }
        XCTAssertEqual(leak["count"] as? Int, 3)
        XCTAssertEqual(leak["kind"] as? String, "inet-socket")
        let culprit = leak["culprit"] as? [String: Any] ?? [:]
        XCTAssertEqual(culprit["function"] as? String, "Connection.connect")
        XCTAssertTrue((culprit["file"] as? String)?.hasSuffix("site-packages/fakesql/connections.py") == true, "\(culprit)")
        XCTAssertEqual(culprit["line"] as? Int,
                       try ReclaimedPythonTests.line(ofMark: "Connection.connect", in: "site-packages/fakesql/connections.py"))
        let caller = leak["calledFrom"] as? [String: Any] ?? [:]
        XCTAssertEqual(caller["function"] as? String, "run_timed_out_query")
        XCTAssertEqual(caller["line"] as? Int, try ReclaimedPythonTests.line(ofMark: "run_timed_out_query", in: "pypy_force_close.py"))
        let python = (report["processes"] as? [[String: Any]] ?? []).compactMap { $0["python"] as? String }
        XCTAssertTrue(python.first?.contains("Python frames from fdhound's helper") == true, "\(python)")
    }

    func testWithoutTheHelperTheProcessLineSaysWhy() throws {
        let traces = workDirectory.appendingPathComponent("traces").path
        var environment = ProcessInfo.processInfo.environment
        environment["FDHOUND_PYTHON_HELPER"] = "0"
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", Self.pypy, fixture], environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        XCTAssertEqual(leaks.map { $0["count"] as? Int }, [3], "the leak is recorded")
        XCTAssertFalse(leaks.flatMap { $0["stack"] as? [[String: Any]] ?? [] }.contains { $0["module"] as? String == "python" })
        let python = (report["processes"] as? [[String: Any]] ?? []).compactMap { $0["python"] as? String }
        XCTAssertTrue(python.first?.hasPrefix("PyPy") == true && python.first?.contains("native stacks only") == true,
                      "\(python)")
        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertTrue(text.stdout.contains("\n    python: PyPy"), text.stdout)
    }
}
