// `fdhound report --format sarif`: valid SARIF 2.1.0 (the harness validates every SARIF report against the
// official schema), one result per finding at the culprit's file and line, the stack as a code flow, the
// finding's fingerprint as partialFingerprints — the same one the JSON report gives.
import Foundation
import XCTest

final class SARIFReportTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func sarif(_ traces: String) throws -> [String: Any] {
        let result = try FDHoundCLI.run(["report", traces, "--format", "sarif"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func run(_ program: FixtureProgram) throws -> String {
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        return traces
    }

    func testLeaksAreResultsAtTheCulpritsLineWithTheStackAndFingerprint() throws {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = try run(program)
        let json = try FDHoundCLI.jsonReport(traces)
        let leaks = json["leaks"] as? [[String: Any]] ?? []
        XCTAssertEqual(leaks.count, 2, "the shim recorded the leaks: \(json["warnings"] ?? "")")

        let log = try sarif(traces)
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        let run = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        let driver = try XCTUnwrap((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "fdhound")
        let ruleIds = (driver["rules"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        XCTAssertTrue(ruleIds.contains("fdhound/leak") && ruleIds.contains("fdhound/double-close"), "\(ruleIds)")
        let results = run["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.count, 2)

        for (marker, leak) in [("leak_cache_files", 0), ("leak_probe_sockets", 1)] {
            let jsonLeak = leaks[leak]
            let fingerprint = try XCTUnwrap(jsonLeak["fingerprint"] as? String)
            let result = try XCTUnwrap(results.first {
                ($0["partialFingerprints"] as? [String: String])?["fdhoundFingerprint/v1"] == fingerprint
            }, "a result carries the JSON's fingerprint \(fingerprint)")
            XCTAssertEqual(result["ruleId"] as? String, "fdhound/leak")
            XCTAssertEqual(ruleIds[result["ruleIndex"] as? Int ?? -1], "fdhound/leak")
            XCTAssertEqual(result["level"] as? String, "error")
            XCTAssertTrue(((result["message"] as? [String: Any])?["text"] as? String ?? "").contains(marker))
            let physical = try XCTUnwrap(((result["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
            XCTAssertEqual((physical["artifactLocation"] as? [String: Any])?["uri"] as? String, "file://" + program.sourcePath)
            XCTAssertEqual((physical["region"] as? [String: Any])?["startLine"] as? Int, try program.line(ofMark: marker))
            // The code flow is the JSON stack, outermost first: the opening call (innermost) is the last step.
            let flow = try XCTUnwrap(((result["codeFlows"] as? [[String: Any]])?.first?["threadFlows"] as? [[String: Any]])?.first)
            let steps = flow["locations"] as? [[String: Any]] ?? []
            let stack = jsonLeak["stack"] as? [[String: Any]] ?? []
            XCTAssertEqual(steps.count, stack.count)
            let lastStep = (steps.last?["location"] as? [String: Any])?["logicalLocations"] as? [[String: Any]]
            XCTAssertEqual(lastStep?.first?["name"] as? String, stack.first?["function"] as? String)
            let culpritStep = steps.contains { step in
                let physical = (step["location"] as? [String: Any])?["physicalLocation"] as? [String: Any]
                return (physical?["region"] as? [String: Any])?["startLine"] as? Int == (try? program.line(ofMark: marker))
            }
            XCTAssertTrue(culpritStep, "the culprit's line is a step of the flow")
        }
    }

    func testMisuseAndExecLeaksHaveTheirOwnRules() throws {
        let program = try FixtureProgram.build("process_tree", in: workDirectory, extraFlags: ["-pthread"])
        let traces = try run(program)
        let results = (try sarif(traces)["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
        let double = try XCTUnwrap(results.first { $0["ruleId"] as? String == "fdhound/double-close" }, "\(results.count) results")
        let physical = ((double["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any]
        XCTAssertEqual((physical?["region"] as? [String: Any])?["startLine"] as? Int, try program.line(ofMark: "double_close_bug"))
        XCTAssertTrue(results.contains { $0["ruleId"] as? String == "fdhound/owner-violation" })
        XCTAssertTrue(results.contains { $0["ruleId"] as? String == "fdhound/exec-leak" })
    }

    func testSarifRootMakesTheCheckoutsFilesRelative() throws {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = try run(program)
        let root = FixtureProgram.repositoryRoot.path
        let result = try FDHoundCLI.run(["report", traces, "--format", "sarif", "--sarif-root", root])
        XCTAssertEqual(result.status, 0, result.stderr)
        let log = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let run = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        let bases = try XCTUnwrap(run["originalUriBaseIds"] as? [String: [String: Any]])
        XCTAssertEqual(bases["SRCROOT"]?["uri"] as? String, "file://" + root + "/")
        let first = try XCTUnwrap((run["results"] as? [[String: Any]])?.first)
        let physical = try XCTUnwrap(((first["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
        let artifact = try XCTUnwrap(physical["artifactLocation"] as? [String: Any])
        XCTAssertEqual(artifact["uri"] as? String, "Tests/Fixtures/programs/leak_thousand_files.c")
        XCTAssertEqual(artifact["uriBaseId"] as? String, "SRCROOT")
        // Files outside the checkout (libc's) keep their absolute URI, without a base.
        let steps = ((first["codeFlows"] as? [[String: Any]])?.first?["threadFlows"] as? [[String: Any]])?.first?["locations"] as? [[String: Any]] ?? []
        let absolute = steps.compactMap { ((($0["location"] as? [String: Any])?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any]) }
            .filter { $0["uriBaseId"] == nil }
        XCTAssertFalse(absolute.isEmpty, "a frame outside the checkout")
    }

    func testTheValidatorRejectsWhatTheSchemasForbid() throws {
        // The schema checks that guard every report must be able to fail.
        let sarifSchema = try XCTUnwrap(ReportSchemaCheck.schemaFiles["sarif"])
        XCTAssertNotNil(try ReportSchemaCheck.violations(of: #"{"version": "2.1.0"}"#, against: sarifSchema), "runs missing")
        XCTAssertNil(try ReportSchemaCheck.violations(of: #"{"version": "2.1.0", "runs": []}"#, against: sarifSchema))
        let reportSchema = try XCTUnwrap(ReportSchemaCheck.schemaFiles["json"])
        let empty = """
            {"schemaVersion": 1, "tool": {"name": "fdhound", "version": "0"}, "tracePath": "t", "processes": [],
             "leaks": [], "inherited": [], "execLeaks": [], "execPassed": [], "misuse": [], "reclaimed": [], "growth": [],
             "outlivedPhase": [],
             "timeLeft": [], "openOverTime": [], "exhaustion": [], "suppressions": [], "warnings": []}
            """
        XCTAssertNil(try ReportSchemaCheck.violations(of: empty, against: reportSchema))
        let frameWithoutFile = #"{"function": "f", "line": null, "column": null, "module": "m", "address": "0x1", "inlined": false}"#
        let inherited = #"{"pid": 1, "fd": 3, "kind": "file", "owner": "fd", "description": null, "reason": "stdio", "openedByPid": null, "stack": [\#(frameWithoutFile)]}"#
        let missingKey = empty.replacingOccurrences(of: #""inherited": []"#, with: #""inherited": [\#(inherited)]"#)
        let violations = try XCTUnwrap(try ReportSchemaCheck.violations(of: missingKey, against: reportSchema))
        XCTAssertTrue(violations.contains("'file' is a required property"), violations)
    }
}
