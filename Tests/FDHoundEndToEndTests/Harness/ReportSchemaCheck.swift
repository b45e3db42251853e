// Every JSON report an end-to-end test makes is checked against the published schema (docs/report.schema.json),
// and every SARIF report against the official SARIF 2.1.0 schema (Tests/Fixtures/sarif), by tests/lib/validate_json.py with the `jsonschema` of the project's .venv (tools/python-env installs it).
// FDHoundCLI.run calls this, so the check covers reports the tests produce for any other purpose too. A
// missing validator is a test failure, never a silent skip.
import Foundation
import XCTest

enum ReportSchemaCheck {
    /// The published schema for the format, or nil when the output is not a report document.
    static func schema(for arguments: [String]) -> URL? {
        guard let subcommand = arguments.first, ["report", "check"].contains(subcommand) else { return nil }
        var format = "text"
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { break }   // `check … -- cmd --format json`: the command's own arguments
            if ["-f", "--format"].contains(argument), index + 1 < arguments.count { format = arguments[index + 1] }
            if argument.hasPrefix("--format=") { format = String(argument.dropFirst("--format=".count)) }
        }
        return schemaFiles[format]
    }

    static var schemaFiles: [String: URL] {
        ["json": FixtureProgram.repositoryRoot.appendingPathComponent("docs/report.schema.json"),
         "sarif": FixtureProgram.fixturesDirectory.deletingLastPathComponent()
            .appendingPathComponent("sarif/sarif-schema-2.1.0.json")]
    }

    /// Validates `document` against `schema`; returns the violations (empty: valid).
    static func violations(of document: String, against schema: URL) throws -> String? {
        let root = FixtureProgram.repositoryRoot
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return "no .venv/bin/python to validate the report with: run tools/python-env"
        }
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("fdhound-report-\(UUID().uuidString.prefix(8)).json")
        try Data(document.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Command.run([python, root.appendingPathComponent("tests/lib/validate_json.py").path,
                                      schema.path, file.path], timeout: 120)
        return result.status == 0 ? nil : "exit \(result.status): \(result.stderr)"
    }

    /// Fails the running test when `result` is a report of a schema'd format that does not validate.
    static func check(arguments: [String], result: CommandResult) {
        guard let schema = schema(for: arguments), [0, 1].contains(result.status),
              result.stdout.first == "{" else { return }
        do {
            if let problem = try violations(of: result.stdout, against: schema) {
                XCTFail("fdhound \(arguments.joined(separator: " ")): the report does not match \(schema.lastPathComponent): \(problem)")
            }
        } catch {
            XCTFail("cannot validate the report of fdhound \(arguments.joined(separator: " ")): \(error)")
        }
    }
}
