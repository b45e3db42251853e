// `fdhound report --format junit`: well-formed XML (Python's parser) with the structure CI systems read —
// testsuites → testsuite per process → testcase per phase the program named, a <failure> carrying the
// findings and their stacks — on a real program that names phases and leaks in some of them.
import Foundation
import XCTest

final class JUnitReportTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Python's summary of a JUnit file: one line per test case, and the totals; it exits non-zero on XML
    /// that is not well-formed or breaks the testsuites/testsuite/testcase/failure structure.
    static let summarize = """
        import sys, xml.etree.ElementTree as ET
        root = ET.parse(sys.argv[1]).getroot()
        assert root.tag == "testsuites", root.tag
        tests = failures = 0
        for suite in root:
            assert suite.tag == "testsuite", suite.tag
            cases = list(suite)
            assert all(c.tag == "testcase" for c in cases)
            failed = [c for c in cases if c.find("failure") is not None]
            assert int(suite.get("tests")) == len(cases) and int(suite.get("failures")) == len(failed), suite.attrib
            assert suite.get("errors") == "0" and suite.get("name")
            tests += len(cases); failures += len(failed)
            for c in cases:
                assert c.get("classname") and c.get("name") is not None
                assert all(child.tag in ("failure", "system-out") for child in c), [x.tag for x in c]
                f = c.find("failure")
                if f is None:
                    print("case", c.get("name"), "passed")
                else:
                    assert f.get("type") and f.get("message")
                    print("case", c.get("name"), "failed:", f.get("message"))
                    print("body", f.text.replace("\\n", "|"))
        assert int(root.get("tests")) == tests and int(root.get("failures")) == failures, root.attrib
        print("totals", tests, failures)
        """

    func testOneCasePerPhaseFailingOnItsLeaks() throws {
        let program = try FixtureProgram.build("leak_in_phases", in: workDirectory, extraFlags: ["-pthread"])
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        let file = workDirectory.appendingPathComponent("junit.xml")
        let report = try FDHoundCLI.run(["report", traces, "--format", "junit", "-o", file.path])
        XCTAssertEqual(report.status, 0, report.stderr)
        let summary = try Command.run(["python3", "-c", Self.summarize, file.path])
        let xml = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(summary.status, 0, "not well-formed JUnit: \(summary.stderr)\n\(xml)")
        let lines = summary.stdout.split(separator: "\n").map(String.init)
        let cases = lines.filter { $0.hasPrefix("case ") }
        let line = try program.line(ofMark: "open_cache_entry")
        XCTAssertEqual(cases.count, 5, summary.stdout)
        XCTAssertTrue(cases[0].hasPrefix("case request 1 failed: L2: 2 × file left open, opened by open in open_cache_entry at leak_in_phases.c:\(line)"), summary.stdout)
        XCTAssertTrue(cases[1].hasPrefix("case request 2 failed: L3: 3 × file left open"), summary.stdout)
        XCTAssertTrue(cases[1].contains("; L4: 1 × file left open, opened by open in helper_thread"), summary.stdout)
        XCTAssertTrue(cases[2].hasPrefix("case request 2 | nested `sub` failed: L5: 1 × file"), summary.stdout)
        XCTAssertEqual(cases[3], "case clean request passed")
        // L1, opened once outside any phase and held: a note, not a failure (as `check` without --strict).
        XCTAssertEqual(cases[4], "case outside any phase passed", summary.stdout)
        XCTAssertTrue(xml.contains("<system-out>L1: 1 × file left open"), xml)
        XCTAssertTrue(lines.contains { $0.hasPrefix("body L2: ") && $0.contains("→ #") && $0.contains("open_cache_entry  ") },
                      "the failure's body has the stack, culprit marked: \(summary.stdout)")
        XCTAssertEqual(lines.last, "totals 5 3")
    }
}
