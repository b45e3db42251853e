// End to end on PyPy (Debian's pypy3, installed by tools/setup) with the real PyMySQL (in .venv/pypy,
// tools/python-env) against a fake MySQL server that accepts the login and never answers a query: each
// query's read timeout makes PyMySQL's Connection._force_close drop its socket unclosed (on PyPy only a major
// GC would close it). The shim cannot read PyPy's Python frames; `fdhound run` loads fdhound's Python helper
// into PyPy, which hands the Python stack of descriptor-creating calls to the shim, so the leak is blamed on
// PyMySQL's Connection.connect and the application function that called it, at the lines of the installed
// source. Without the helper the process line says why there are no Python frames.
import Foundation
import XCTest

final class PyPyTests: XCTestCase {
    private var workDirectory: URL!
    private var server: BackgroundProcess!
    private var port = ""
    private static let pypy = "/usr/bin/pypy3"
    private static let venvPython = FixtureProgram.repositoryRoot.appendingPathComponent(".venv/pypy/bin/python").path

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.pypy) else {
            throw XCTSkip("no \(Self.pypy) (tools/setup installs Debian's pypy3)")
        }
        // pypy3 is here, so its venv must be too: a missing one fails, never skips.
        guard FileManager.default.isExecutableFile(atPath: Self.venvPython) else {
            XCTFail("no \(Self.venvPython): run tools/python-env (it installs PyMySQL for pypy3)")
            throw XCTSkip("cannot run without .venv/pypy")
        }
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
        server = try BackgroundProcess(["/usr/bin/python3", ReclaimedPythonTests.fixture("fake_mysql_server.py"), "60"])
        let words = server.firstLine.split(separator: " ")
        guard words.count == 2, words[0] == "ready" else {
            XCTFail("fake MySQL server did not start: \(server.firstLine)")
            throw XCTSkip("no server")
        }
        port = words[1].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    override func tearDownWithError() throws {
        server = nil   // BackgroundProcess stops it by pid
        if let workDirectory { try? FileManager.default.removeItem(at: workDirectory) }
    }

    private var fixture: String { ReclaimedPythonTests.fixture("pypy_pymysql_timeout.py") }

    /// The installed PyMySQL's connections.py, asked of the venv's interpreter.
    private func pymysqlConnections() throws -> String {
        let result = try Command.run([Self.venvPython, "-c", "import pymysql.connections as c; print(c.__file__)"], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// 1-based number of the first line containing `needle` after the line containing `start`.
    private func line(of needle: String, after start: String, in path: String) throws -> Int? {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard let from = lines.firstIndex(where: { $0.contains(start) }) else { return nil }
        return lines[from...].firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }

    private func runScenario(environment: [String: String]? = nil) throws -> [String: Any] {
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", Self.venvPython, fixture, port], environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        // 2013 (lost connection during query) three times: the login went through and each query timed out.
        XCTAssertEqual(run.stdout, "timed out: [2013, 2013, 2013]\n", run.stderr)
        return try FDHoundCLI.jsonReport(traces)
    }

    func testHelperNamesPyMySQLAndItsCallerOnPyPy() throws {
        let report = try runScenario()
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        XCTAssertEqual(leaks.count, 1, "\(leaks)")
        guard let leak = leaks.first else { return }
        XCTAssertEqual(leak["count"] as? Int, 3)
        XCTAssertEqual(leak["kind"] as? String, "inet-socket")
        let connections = try pymysqlConnections()
        XCTAssertTrue(connections.hasSuffix("site-packages/pymysql/connections.py"), connections)
        let culprit = leak["culprit"] as? [String: Any] ?? [:]
        XCTAssertEqual(culprit["function"] as? String, "Connection.connect")
        XCTAssertEqual(culprit["file"] as? String, connections)
        let connectLine = try line(of: "socket.create_connection(", after: "    def connect(self", in: connections)
        XCTAssertNotNil(connectLine, "PyMySQL's connect no longer calls socket.create_connection")
        XCTAssertEqual(culprit["line"] as? Int, connectLine)
        let caller = leak["calledFrom"] as? [String: Any] ?? [:]
        XCTAssertEqual(caller["function"] as? String, "run_timed_out_query")
        XCTAssertEqual(caller["file"] as? String, fixture)
        XCTAssertEqual(caller["line"] as? Int, try ReclaimedPythonTests.line(ofMark: "run_timed_out_query", in: "pypy_pymysql_timeout.py"))
        let python = (report["processes"] as? [[String: Any]] ?? []).compactMap { $0["python"] as? String }
        XCTAssertTrue(python.first?.contains("Python frames from fdhound's helper") == true, "\(python)")
    }

    func testWithoutTheHelperTheProcessLineSaysWhy() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["FDHOUND_PYTHON_HELPER"] = "0"
        let report = try runScenario(environment: environment)
        let leaks = report["leaks"] as? [[String: Any]] ?? []
        XCTAssertEqual(leaks.map { $0["count"] as? Int }, [3], "the leak is recorded")
        XCTAssertFalse(leaks.flatMap { $0["stack"] as? [[String: Any]] ?? [] }.contains { $0["module"] as? String == "python" })
        let python = (report["processes"] as? [[String: Any]] ?? []).compactMap { $0["python"] as? String }
        XCTAssertTrue(python.first?.hasPrefix("PyPy") == true && python.first?.contains("native stacks only") == true,
                      "\(python)")
        let text = try FDHoundCLI.run(["report", workDirectory.appendingPathComponent("traces").path])
        XCTAssertTrue(text.stdout.contains("\n    python: PyPy"), text.stdout)
    }
}
