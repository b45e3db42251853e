// A fixture process started under the real shim by the test itself (not by `fdhound run`), for tests that
// must own the process: kill it, or look at it while it runs. It is started with the environment
// `fdhound run` would give it, and waited for until it prints its first line (e.g. "holding").
import Foundation
import XCTest

final class HeldProcess {
    let process = Process()
    /// The first line the program printed.
    let firstOutput: String

    var pid: Int32 { process.processIdentifier }

    /// `settings`: FDHOUND_* variables added to that environment.
    init(_ program: FixtureProgram, tracesIn directory: URL, arguments: [String] = [],
         settings: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let shim = FixtureProgram.repositoryRoot.appendingPathComponent("shim/build/libfdhound.so").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: shim), "build the shim first (make -C shim)")
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = shim
        environment["FDHOUND_OUTPUT_DIR"] = directory.path
        environment.merge(settings) { _, new in new }
        process.executableURL = URL(fileURLWithPath: program.binaryPath)
        process.environment = environment
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // Bounded by the fixture's own time limit: it exits (closing the pipe) if nobody stops it.
        firstOutput = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    }

    func kill(_ signal: Int32) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit { kill(SIGKILL) }
}
