// End to end: a library built with -g, its debug info split off (objcopy --only-keep-debug) and then
// stripped as distro libraries are. Without its debug file the report never presents a symbol-table name
// as the function: its frames say "no debug info", show module+offset and give the exported function only
// as a hint ("near lib_open_log"; a static helper absent from the table gets the nearest export before it),
// and the culprit is the program's own caller. With the debug file in a build-id tree named by
// FDHOUND_DEBUG_FILE_DIRECTORY, the same trace gets the real functions, files and lines.
import Foundation
import XCTest

final class StrippedLibraryTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func mustRun(_ arguments: [String]) throws -> String {
        let result = try Command.run(arguments)
        XCTAssertEqual(result.status, 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    /// Builds and strips the library, keeps its debug file under `debug/.build-id/xx/yyyy.debug`, builds the
    /// program, runs it traced; returns the trace directory and the debug-file root.
    private func tracedRun() throws -> (traces: String, debugRoot: String, library: FixtureProgram, program: FixtureProgram) {
        let dir = workDirectory.path
        let source = FixtureProgram.fixturesDirectory.appendingPathComponent("stripped_library.c").path
        let library = dir + "/libfdhstripped.so"
        // -fno-toplevel-reorder keeps source order, so the static helper lies after an exported function.
        _ = try mustRun(["cc", "-g", "-O1", "-fno-toplevel-reorder", "-fPIC", "-shared", "-Wl,--build-id", "-o", library, source])
        let notes = try mustRun(["readelf", "-n", library])
        let buildID = try XCTUnwrap(notes.split(separator: "\n").first { $0.contains("Build ID:") }?
            .split(separator: " ").last.map(String.init), notes)
        let debugRoot = dir + "/debug"
        let debugDirectory = "\(debugRoot)/.build-id/\(buildID.prefix(2))"
        try FileManager.default.createDirectory(atPath: debugDirectory, withIntermediateDirectories: true)
        _ = try mustRun(["objcopy", "--only-keep-debug", library, "\(debugDirectory)/\(buildID.dropFirst(2)).debug"])
        _ = try mustRun(["strip", "--strip-all", library])
        XCTAssertFalse(try mustRun(["readelf", "-S", library]).contains(".debug_info"), "the library is stripped")
        let program = try FixtureProgram.build("use_stripped_library", in: workDirectory,
                                               extraFlags: ["-L", dir, "-lfdhstripped", "-Wl,-rpath," + dir])
        let traces = dir + "/traces"
        let run = try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "done\n")
        return (traces, debugRoot, FixtureProgram(name: "stripped_library", sourcePath: source, binaryPath: library), program)
    }

    private func libraryFrames(_ leak: [String: Any]) -> [[String: Any]] {
        (leak["stack"] as? [[String: Any]] ?? []).filter { ($0["module"] as? String)?.hasSuffix("/libfdhstripped.so") == true }
    }

    private func leak(_ report: [String: Any], calledAt line: Int, in program: FixtureProgram) -> [String: Any]? {
        (report["leaks"] as? [[String: Any]] ?? []).first { leak in
            (leak["stack"] as? [[String: Any]] ?? []).contains { $0["function"] as? String == "start_service" && $0["line"] as? Int == line }
        }
    }

    func testWithoutDebugInfoTheExportIsOnlyAHintAndWithTheBuildIDFileTheFunctionsAreReal() throws {
        let (traces, debugRoot, library, program) = try tracedRun()
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "FDHOUND_DEBUG_FILE_DIRECTORY")
        let stripped = try FDHoundCLI.jsonReport(traces)
        let logLine = try program.line(ofMark: "start_service_log"), configLine = try program.line(ofMark: "start_service_config")
        let logLeak = try XCTUnwrap(leak(stripped, calledAt: logLine, in: program), "\(stripped)")
        let configLeak = try XCTUnwrap(leak(stripped, calledAt: configLine, in: program), "\(stripped)")
        for frame in libraryFrames(logLeak) + libraryFrames(configLeak) {
            XCTAssertTrue(frame["function"] is NSNull && frame["file"] is NSNull, "\(frame)")
            XCTAssertEqual(frame["debugInfo"] as? Bool, false, "\(frame)")
        }
        XCTAssertEqual(libraryFrames(logLeak).map { $0["nearSymbol"] as? String }, ["lib_open_log"])
        let configHints = libraryFrames(configLeak).map { $0["nearSymbol"] as? String ?? "" }
        XCTAssertEqual(configHints.count, 2, "\(configHints)")
        XCTAssertTrue(configHints.first?.hasPrefix("lib_open_log+0x") == true, "static helper: the export before it, with the offset: \(configHints)")
        XCTAssertEqual(configHints.last, "lib_open_config")
        // The culprit is the program's code, not a name guessed from the library's symbol table.
        for (leak, line) in [(logLeak, logLine), (configLeak, configLine)] {
            let culprit = leak["culprit"] as? [String: Any] ?? [:]
            XCTAssertEqual(culprit["function"] as? String, "start_service")
            XCTAssertEqual(culprit["line"] as? Int, line)
            XCTAssertEqual(culprit["debugInfo"] as? Bool, true)
        }
        // --all: each leak here is opened once, which the text shows compactly (no stack) without it.
        let text = try FDHoundCLI.run(["report", "--all", traces], environment: environment)
        XCTAssertTrue(text.stdout.contains("(libfdhstripped.so+0x"), text.stdout)
        XCTAssertTrue(text.stdout.contains("no debug info, near lib_open_log\n"), text.stdout)
        XCTAssertFalse(text.stdout.contains("#0 lib_open_log"), "never shown as the function: \(text.stdout)")

        environment["FDHOUND_DEBUG_FILE_DIRECTORY"] = debugRoot
        let json = try FDHoundCLI.run(["report", traces, "--format", "json"], environment: environment)
        XCTAssertEqual(json.status, 0, json.stderr)
        let withDebug = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let logWithDebug = try XCTUnwrap(leak(withDebug, calledAt: logLine, in: program))
        let configWithDebug = try XCTUnwrap(leak(withDebug, calledAt: configLine, in: program))
        XCTAssertEqual(libraryFrames(logWithDebug).map { "\($0["function"] as? String ?? "?"):\($0["line"] as? Int ?? 0)" },
                       ["lib_open_log:\(try library.line(ofMark: "lib_open_log"))"])
        XCTAssertEqual(libraryFrames(configWithDebug).first?["function"] as? String, "open_config_internal")
        XCTAssertEqual(libraryFrames(configWithDebug).first?["line"] as? Int, try library.line(ofMark: "open_config_internal"))
        for frame in libraryFrames(logWithDebug) + libraryFrames(configWithDebug) {
            XCTAssertEqual(frame["debugInfo"] as? Bool, true, "\(frame)")
            XCTAssertTrue(frame["nearSymbol"] is NSNull, "\(frame)")
            XCTAssertTrue((frame["file"] as? String)?.hasSuffix("stripped_library.c") == true, "\(frame)")
        }
        let culprit = logWithDebug["culprit"] as? [String: Any] ?? [:]
        XCTAssertEqual(culprit["function"] as? String, "lib_open_log")
        XCTAssertEqual((logWithDebug["calledFrom"] as? [String: Any])?["function"] as? String, "start_service")
    }
}
