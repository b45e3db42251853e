// End to end on real CPython interpreters: `fdhound run -- python Tests/Fixtures/python/leak_python_paths.py`
// must name the Python function, file and exact line of each opening call, with the exact count, and never
// blame a correct twin — on every CPython 3.10–3.13 present (Debian's python3 with libpython linked
// statically, pyenv's shared-libpython builds), with an abrupt os._exit and with a normal exit.
import Foundation
import XCTest

final class PythonStackTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// A CPython to run the fixture with.
    struct Interpreter {
        let label: String
        let path: String
    }

    /// Debian's /usr/bin/python3 and every pyenv 3.10–3.13 under $PYENV_ROOT (default /root/.pyenv).
    /// Absent ones are skipped; the test prints which ran.
    static func interpreters() -> [Interpreter] {
        var found = [Interpreter]()
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") {
            found.append(Interpreter(label: "system python3", path: "/usr/bin/python3"))
        }
        let root = ProcessInfo.processInfo.environment["PYENV_ROOT"] ?? "/root/.pyenv"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root + "/versions")) ?? []
        for minor in 10...13 {
            // The newest patch release of 3.<minor>, e.g. "3.12.1"; free-threaded "t" builds are not ours.
            let candidates = versions.filter { $0.hasPrefix("3.\(minor).") && $0.allSatisfy { $0.isNumber || $0 == "." } }
            guard let version = candidates.max(by: { $0.compare($1, options: .numeric) == .orderedAscending }) else {
                continue
            }
            let path = "\(root)/versions/\(version)/bin/python3"
            if FileManager.default.isExecutableFile(atPath: path) {
                found.append(Interpreter(label: "pyenv \(version)", path: path))
            }
        }
        return found
    }

    static var fixture: String {
        FixtureProgram.fixturesDirectory.deletingLastPathComponent().appendingPathComponent("python/leak_python_paths.py").path
    }

    /// The 1-based line of `# MARK:<name>` in the fixture.
    static func line(ofMark marker: String) throws -> Int {
        let text = try String(contentsOfFile: fixture, encoding: .utf8)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasSuffix("# MARK:\(marker)") {
            return index + 1
        }
        throw NSError(domain: "PythonStackTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "no MARK:\(marker)"])
    }

    private func traceFixture(_ interpreter: Interpreter, mode: String) throws -> [String: Any] {
        let label = interpreter.label.filter { $0.isLetter || $0.isNumber }
        let traces = workDirectory.appendingPathComponent("traces-\(label)-\(mode)").path
        let scratch = workDirectory.appendingPathComponent("files-\(label)-\(mode)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", interpreter.path, Self.fixture, scratch.path, mode])
        XCTAssertEqual(run.status, 0, "\(interpreter.label): fdhound run failed: \(run.stderr)")
        return try FDHoundCLI.jsonReport(traces)
    }

    /// Every twin that closes correctly: none may appear anywhere in any leak's stack.
    static let twins = ["close_file_with_block", "close_file_via_os_open", "connect_helper_closing", "thread_closer"]

    private func assertLeak(_ leaks: [LeakView], function: String, count: Int, kind: String,
                            interpreter: Interpreter, mode: String, caller: String = "main") throws {
        let context = "\(interpreter.label), \(mode): \(function)"
        let matching = leaks.filter { $0.culpritFunction == function }
        XCTAssertEqual(matching.count, 1, "\(context): expected one group, got \(leaks.map { "\($0.culpritFunction)×\($0.count)" })")
        guard let leak = matching.first else { return }
        XCTAssertEqual(leak.count, count, "\(context): count")
        XCTAssertEqual(leak.kind, kind, "\(context): kind")
        XCTAssertTrue(leak.culpritFile.hasSuffix("/leak_python_paths.py"), "\(context): file \(leak.culpritFile)")
        XCTAssertEqual(leak.culpritLine, try Self.line(ofMark: function), "\(context): line")
        XCTAssertEqual(leak.culprit["module"] as? String, "python", "\(context): culprit is a Python frame")
        // Interleaved: the Python caller chain is there, between native frames.
        // (3.10 code objects have no qualified name: Thread.run is plain "run" there.)
        XCTAssertTrue(leak.stackFunctions.contains { $0 == caller || $0.hasSuffix("." + caller) },
                      "\(context): stack reaches \(caller)(): \(leak.stackFunctions)")
        XCTAssertTrue(leak.stack.contains { ($0["module"] as? String) != "python" }, "\(context): native frames kept")
    }

    private func assertNoTwinBlamed(_ leaks: [LeakView], context: String) {
        let blamed = Set(leaks.flatMap(\.stackFunctions))
        for twin in Self.twins {
            XCTAssertFalse(blamed.contains(twin), "\(context): \(twin) closes correctly but was blamed")
        }
        // Only the fixture's own leaks may be blamed on the fixture file.
        let fixtureGroups = leaks.filter { $0.culpritFile.hasSuffix("/leak_python_paths.py") }
        for leak in fixtureGroups {
            XCTAssertTrue(["leak_file_via_open", "leak_file_via_os_open", "connect_helper", "thread_leaker"]
                .contains(leak.culpritFunction), "\(context): unexpected group \(leak.culpritFunction)")
        }
    }

    private func runMatrix(_ body: (Interpreter) throws -> Void) throws {
        let interpreters = Self.interpreters()
        guard !interpreters.isEmpty else { throw XCTSkip("no CPython 3.10–3.13 on this machine") }
        print("PythonStackTests: running on \(interpreters.map(\.label).joined(separator: ", "))")
        for interpreter in interpreters { try body(interpreter) }
    }

    /// os._exit: nothing is finalized, every leaked object is still open at the end.
    func testAbruptExitNamesEveryPythonLeakWithExactLineAndCount() throws {
        try runMatrix { interpreter in
            let report = try traceFixture(interpreter, mode: "os_exit")
            let leaks = LeakView.all(in: report)
            try assertLeak(leaks, function: "leak_file_via_open", count: 3, kind: "file", interpreter: interpreter, mode: "os_exit")
            try assertLeak(leaks, function: "leak_file_via_os_open", count: 4, kind: "file", interpreter: interpreter, mode: "os_exit")
            try assertLeak(leaks, function: "connect_helper", count: 5, kind: "inet-socket", interpreter: interpreter, mode: "os_exit")
            try assertLeak(leaks, function: "thread_leaker", count: 2, kind: "file", interpreter: interpreter, mode: "os_exit",
                           caller: "run")
            assertNoTwinBlamed(leaks, context: "\(interpreter.label), os_exit")
            // The socket is opened inside the standard library's socket.py: that frame is on the stack but
            // the culprit is the program's helper that called it.
            if let socketLeak = leaks.first(where: { $0.culpritFunction == "connect_helper" }) {
                XCTAssertTrue(socketLeak.stack.contains { ($0["file"] as? String)?.hasSuffix("/socket.py") == true },
                              "\(interpreter.label): socket.py frame kept in the stack")
            }
            // The thread's stack runs through threading.py (Thread.run), which is not blamed.
            if let threadLeak = leaks.first(where: { $0.culpritFunction == "thread_leaker" }) {
                XCTAssertTrue(threadLeak.stack.contains { ($0["file"] as? String)?.hasSuffix("/threading.py") == true },
                              "\(interpreter.label): threading.py frames kept in the thread's stack")
            }
        }
    }

    /// Normal exit: interpreter shutdown closes the file and socket objects, so only the raw os.open
    /// descriptors (main thread and worker thread) are open at the end; nothing else of the fixture is.
    func testNormalExitNamesRawDescriptorLeaks() throws {
        try runMatrix { interpreter in
            let report = try traceFixture(interpreter, mode: "exit")
            let leaks = LeakView.all(in: report)
            try assertLeak(leaks, function: "leak_file_via_os_open", count: 4, kind: "file", interpreter: interpreter, mode: "exit")
            try assertLeak(leaks, function: "thread_leaker", count: 2, kind: "file", interpreter: interpreter, mode: "exit",
                           caller: "run")
            assertNoTwinBlamed(leaks, context: "\(interpreter.label), exit")
            let functions = leaks.map(\.culpritFunction)
            XCTAssertFalse(functions.contains("leak_file_via_open"), "\(interpreter.label): closed at shutdown")
            XCTAssertFalse(functions.contains("connect_helper"), "\(interpreter.label): closed at shutdown")
        }
    }

    /// FDHOUND_PYTHON=0 keeps native-only stacks, and the report says why.
    func testPythonFramesCanBeSwitchedOffAndTheReportSaysSo() throws {
        guard let interpreter = Self.interpreters().first else { throw XCTSkip("no CPython 3.10–3.13 on this machine") }
        let traces = workDirectory.appendingPathComponent("traces-off").path
        var environment = ProcessInfo.processInfo.environment
        environment["FDHOUND_PYTHON"] = "0"
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", interpreter.path, Self.fixture, workDirectory.path, "os_exit"],
                                     environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = LeakView.all(in: report)
        XCTAssertFalse(leaks.isEmpty)
        XCTAssertFalse(leaks.flatMap(\.stack).contains { ($0["module"] as? String) == "python" }, "no Python frames")
        let processes = report["processes"] as? [[String: Any]] ?? []
        let python = processes.compactMap { $0["python"] as? String }
        XCTAssertTrue(python.contains { $0.contains("FDHOUND_PYTHON=0") }, "report says why: \(python)")
    }
}
