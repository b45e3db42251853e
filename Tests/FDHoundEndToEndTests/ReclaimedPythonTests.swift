// End to end on real CPython interpreters: descriptors the program never closes but Python releases later
// (a refcount finalizer, the cyclic garbage collector, interpreter shutdown) and code paths whose live
// count keeps rising are reported under the opening Python function, file and line, with exact counts;
// correct twins (`with`, explicit close) never are — on every CPython 3.10–3.13 present.
import Foundation
import XCTest

final class ReclaimedPythonTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    static func fixture(_ name: String) -> String {
        FixtureProgram.fixturesDirectory.deletingLastPathComponent().appendingPathComponent("python/\(name)").path
    }

    static func line(ofMark marker: String, in fixture: String) throws -> Int {
        let text = try String(contentsOfFile: Self.fixture(fixture), encoding: .utf8)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasSuffix("# MARK:\(marker)") {
            return index + 1
        }
        throw NSError(domain: "ReclaimedPythonTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "no MARK:\(marker)"])
    }

    private func report(_ interpreter: PythonStackTests.Interpreter, _ fixture: String, _ arguments: [String]) throws -> [String: Any] {
        let label = interpreter.label.filter { $0.isLetter || $0.isNumber }
        let traces = workDirectory.appendingPathComponent("traces-\(label)-\(fixture)").path
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", interpreter.path, Self.fixture(fixture)] + arguments)
        XCTAssertEqual(run.status, 0, "\(interpreter.label): fdhound run failed: \(run.stderr)")
        return try FDHoundCLI.jsonReport(traces)
    }

    private func groups(_ report: [String: Any], _ key: String) -> [[String: Any]] {
        report[key] as? [[String: Any]] ?? []
    }

    private static func function(_ group: [String: Any]) -> String {
        (group["culprit"] as? [String: Any])?["function"] as? String ?? ""
    }

    /// Exactly one group of `how` (nil: a growth group) blames `function`, with `count`, at the MARK line.
    private func assertGroup(_ all: [[String: Any]], how: String?, function: String, count: Int, fixture: String,
                             context: String) throws {
        let matching = all.filter { Self.function($0) == function && (how == nil || $0["how"] as? String == how) }
        XCTAssertEqual(matching.count, 1, "\(context): \(how ?? "growth") \(function): got \(all.map { "\($0["how"] ?? "growth") \(Self.function($0))×\($0["count"] ?? 0)" })")
        guard let group = matching.first else { return }
        let culprit = group["culprit"] as? [String: Any] ?? [:]
        XCTAssertEqual(group["count"] as? Int, count, "\(context): \(function) count")
        XCTAssertEqual(culprit["line"] as? Int, try Self.line(ofMark: function, in: fixture), "\(context): \(function) line")
        XCTAssertTrue((culprit["file"] as? String)?.hasSuffix("/" + fixture) == true, "\(context): \(function) file")
        XCTAssertEqual(culprit["module"] as? String, "python", "\(context): \(function) is a Python frame")
    }

    private func assertNeverBlamed(_ report: [String: Any], _ twins: [String], context: String) {
        for key in ["leaks", "reclaimed", "growth"] {
            let blamed = Set(groups(report, key).flatMap { ($0["stack"] as? [[String: Any]] ?? []).compactMap { $0["function"] as? String } })
            for twin in twins {
                XCTAssertFalse(blamed.contains(twin), "\(context): \(twin) closes correctly but appears in \(key)")
            }
        }
    }

    private func runMatrix(_ body: (PythonStackTests.Interpreter) throws -> Void) throws {
        let interpreters = PythonStackTests.interpreters()
        guard !interpreters.isEmpty else { throw XCTSkip("no CPython 3.10–3.13 on this machine") }
        print("ReclaimedPythonTests: running on \(interpreters.map(\.label).joined(separator: ", "))")
        for interpreter in interpreters { try body(interpreter) }
    }

    func testFinalizerCollectorAndShutdownClosesAreNamedWithExactCounts() throws {
        let fixture = "leak_reclaimed.py"
        try runMatrix { interpreter in
            let scratch = workDirectory.appendingPathComponent("files-\(interpreter.label.filter { $0.isLetter || $0.isNumber })")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let report = try report(interpreter, fixture, [scratch.path])
            let context = interpreter.label
            let reclaimed = groups(report, "reclaimed")
            let warnings = report["warnings"] as? [String] ?? []
            let stripped = warnings.contains { $0.contains("interpreter's own functions have no symbols") }
            try assertGroup(reclaimed, how: "finalizer", function: "finalized_socket", count: 3, fixture: fixture, context: context)
            if stripped {
                // A stripped interpreter (Debian's python3) names no io finalizer frame: the report says so.
                print("ReclaimedPythonTests: \(context) is stripped; refcount-finalized files are not classified")
            } else {
                try assertGroup(reclaimed, how: "finalizer", function: "finalized_file", count: 4, fixture: fixture, context: context)
            }
            try assertGroup(reclaimed, how: "garbage-collector", function: "cycle_socket", count: 2, fixture: fixture, context: context)
            try assertGroup(reclaimed, how: "garbage-collector", function: "cycle_file", count: 5, fixture: fixture, context: context)
            try assertGroup(reclaimed, how: "interpreter-shutdown", function: "kept_socket", count: 3, fixture: fixture, context: context)
            try assertGroup(reclaimed, how: "interpreter-shutdown", function: "kept_file", count: 2, fixture: fixture, context: context)
            let fromFixture = reclaimed.filter { (($0["culprit"] as? [String: Any])?["file"] as? String)?.hasSuffix("/" + fixture) == true }
            XCTAssertEqual(fromFixture.count, stripped ? 5 : 6, "\(context): only the fixture's leaks: \(fromFixture.map(Self.function))")
            // Where the finalizer ran: the helper that dropped the last reference.
            let socketGroup = reclaimed.first { Self.function($0) == "finalized_socket" }
            XCTAssertEqual((socketGroup?["releasedIn"] as? [String: Any])?["function"] as? String, "finalized_socket", context)
            XCTAssertTrue(groups(report, "leaks").filter { (($0["culprit"] as? [String: Any])?["file"] as? String)?.hasSuffix("/" + fixture) == true }.isEmpty,
                          "\(context): nothing of the fixture is open at exit")
            assertNeverBlamed(report, ["with_block_file", "explicit_close_socket", "explicit_close_file", "with_block_socket_in_cycle"],
                              context: context)
        }
    }

    func testAsyncioHandlerLeakingOneSocketPerDisconnectIsGrowth() throws {
        let fixture = "asyncio_server_leak.py"
        let clients = 6
        try runMatrix { interpreter in
            let report = try report(interpreter, fixture, [String(clients)])
            let context = interpreter.label
            try assertGroup(groups(report, "growth"), how: nil, function: "handle_client", count: clients, fixture: fixture, context: context)
            try assertGroup(groups(report, "reclaimed"), how: "interpreter-shutdown", function: "handle_client", count: clients,
                            fixture: fixture, context: context)
            if let growth = groups(report, "growth").first(where: { Self.function($0) == "handle_client" }) {
                XCTAssertEqual(growth["opened"] as? Int, clients, context)
                XCTAssertEqual(growth["closed"] as? Int, 0, context)
            }
            XCTAssertEqual(groups(report, "growth").count, 1, "\(context): only the handler grows: \(groups(report, "growth").map(Self.function))")
            assertNeverBlamed(report, ["handle_client_closing", "visit"], context: context)
        }
    }
}
