// A saved JSON report as a baseline: signatures from every section (misuse by its offending close),
// tolerant of fields it does not know, and a clear error for anything that is not a report.
import Foundation
import XCTest
@testable import FDHoundCore

final class BaselineTests: XCTestCase {
    private func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fdh-baseline-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testSignaturesComeFromEverySection() throws {
        let path = try write("""
        {"schemaVersion": 1, "futureField": {"x": 1},
         "leaks": [{"kind": "file", "count": 3, "culprit": {"function": "load", "file": "/src/a.c", "line": 9}}],
         "execLeaks": [{"kind": "pipe", "culprit": {"function": "spawn", "file": "/src/b.c", "line": 4}}],
         "misuse": [{"kind": "double-close", "close": {"culprit": {"function": "done", "file": "/src/c.c", "line": 2}}}]}
        """)
        let baseline = try Baseline(path: path)
        XCTAssertEqual(baseline.signatures, [
            FindingSignature(section: "leak", kind: "file", function: "load", file: "/src/a.c", line: 9),
            FindingSignature(section: "exec-leak", kind: "pipe", function: "spawn", file: "/src/b.c", line: 4),
            FindingSignature(section: "misuse", kind: "double-close", function: "done", file: "/src/c.c", line: 2),
        ])
    }

    func testANewLineIsANewFinding() throws {
        let path = try write("""
        {"schemaVersion": 1, "leaks": [{"kind": "file", "culprit": {"function": "load", "file": "/src/a.c", "line": 9}}]}
        """)
        let baseline = try Baseline(path: path)
        let known = CheckFindings.Finding(signature: FindingSignature(section: "leak", kind: "file", function: "load",
                                                                       file: "/src/a.c", line: 9), count: 50)
        let moved = CheckFindings.Finding(signature: FindingSignature(section: "leak", kind: "file", function: "load",
                                                                       file: "/src/a.c", line: 10), count: 1)
        XCTAssertEqual(CheckFindings.new([known, moved], against: baseline).map(\.signature.line), [10])
        XCTAssertEqual(CheckFindings.new([known, moved], against: nil).count, 2)
    }

    func testSomethingElseIsRejectedNamingTheFile() throws {
        let path = try write("{\"leaks\": []}")
        XCTAssertThrowsError(try Baseline(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("not an fdhound JSON report"), "\(error)")
        }
        XCTAssertThrowsError(try Baseline(path: "/nonexistent/baseline.json")) { error in
            XCTAssertTrue("\(error)".contains("cannot read it"), "\(error)")
        }
    }
}
