// Runs the real, built `fdhound` executable the way a user does, and decodes its JSON reports with
// JSONSerialization (not the library's types) so the tests hold the published JSON names to account.
import Foundation
import XCTest

enum FDHoundCLI {
    /// The `fdhound` binary built next to this test bundle (or $FDHOUND_BIN).
    static var executable: String {
        if let explicit = ProcessInfo.processInfo.environment["FDHOUND_BIN"] { return explicit }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let besideBundle = bundleDir.appendingPathComponent("fdhound").path
        if FileManager.default.isExecutableFile(atPath: besideBundle) { return besideBundle }
        let repo = FixtureProgram.repositoryRoot
        return repo.appendingPathComponent(".build/debug/fdhound").path
    }

    /// Runs fdhound; a JSON report it prints is validated against the published schema (ReportSchemaCheck).
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let result = try Command.run([executable] + arguments, environment: environment)
        ReportSchemaCheck.check(arguments: arguments, result: result)
        return result
    }

    /// `fdhound report DIR --format json`, decoded.
    static func jsonReport(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = try run(["report", path, "--format", "json"])
        XCTAssertEqual(result.status, 0, "report failed: \(result.stderr)", file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try XCTUnwrap(object as? [String: Any], "report is not a JSON object", file: file, line: line)
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fdhound-e2e-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Accessors for one leak object of the JSON report.
struct LeakView {
    let raw: [String: Any]
    var count: Int { raw["count"] as? Int ?? -1 }
    var kind: String { raw["kind"] as? String ?? "" }
    var culprit: [String: Any] { raw["culprit"] as? [String: Any] ?? [:] }
    var culpritFunction: String { culprit["function"] as? String ?? "" }
    var culpritFile: String { culprit["file"] as? String ?? "" }
    var culpritLine: Int { culprit["line"] as? Int ?? -1 }
    var stack: [[String: Any]] { raw["stack"] as? [[String: Any]] ?? [] }
    var stackFunctions: [String] { stack.compactMap { $0["function"] as? String } }

    static func all(in report: [String: Any]) -> [LeakView] {
        (report["leaks"] as? [[String: Any]] ?? []).map(LeakView.init)
    }
}
