// SARIF details the end-to-end tests do not reach: frames without a source file or module, paths that need
// percent-encoding, hostile message text kept exact as JSON, and no `null` anywhere (SARIF forbids it).
import XCTest
@testable import FDHoundCore

final class SARIFFormatterTests: XCTestCase {
    private func report(culprit: Frame, stack: [Frame]) -> Report {
        var report = Report(tracePath: "t", processes: [],
                            leaks: [LeakGroup(id: "L1", count: 3, kind: "file", api: "open", owner: "fd", culprit: culprit,
                                              stack: stack, samples: [], pids: [1], firstSeenSeconds: 0, lastSeenSeconds: 0)],
                            inherited: [], warnings: [])
        Fingerprint.assign(to: &report)
        return report
    }

    private func firstResult(_ text: String) throws -> [String: Any] {
        let log = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return try XCTUnwrap(((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?.first)
    }

    func testAFrameWithoutSourceIsLocatedInItsModuleAndNothingIsNull() throws {
        let bare = Frame(module: "/usr/lib/libstripped.so.1", address: "0x2a10")
        let unknown = Frame(module: "[unknown]", address: "0x7f00")
        let text = ReportRenderer.render(report(culprit: bare, stack: [bare, unknown]), as: .sarif)
        XCTAssertFalse(text.contains("null"), text)
        let result = try firstResult(text)
        let location = try XCTUnwrap((result["locations"] as? [[String: Any]])?.first)
        let physical = try XCTUnwrap(location["physicalLocation"] as? [String: Any])
        XCTAssertEqual((physical["artifactLocation"] as? [String: Any])?["uri"] as? String, "file:///usr/lib/libstripped.so.1")
        XCTAssertNil(physical["region"], "no line to point at")
        XCTAssertEqual((location["logicalLocations"] as? [[String: Any]])?.first?["name"] as? String, "libstripped.so.1+0x2a10")
        let steps = ((result["codeFlows"] as? [[String: Any]])?.first?["threadFlows"] as? [[String: Any]])?.first?["locations"] as? [[String: Any]]
        XCTAssertEqual(steps?.count, 2)
        XCTAssertNil((steps?.first?["location"] as? [String: Any])?["physicalLocation"], "an unknown module has no artifact")
    }

    func testPathsArePercentEncodedAndNamesStayExact() throws {
        let culprit = Frame(function: "open_\u{1b}[31mlog", file: "/src/my dir/a#b.c", line: 7, column: 0,
                            module: "/bin/a", address: "0x10")
        let result = try firstResult(ReportRenderer.render(report(culprit: culprit, stack: [culprit]), as: .sarif))
        let physical = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
        XCTAssertEqual((physical?["artifactLocation"] as? [String: Any])?["uri"] as? String, "file:///src/my%20dir/a%23b.c")
        let region = physical?["region"] as? [String: Any]
        XCTAssertEqual(region?["startLine"] as? Int, 7)
        XCTAssertNil(region?["startColumn"], "column 0 is unknown, SARIF columns start at 1")
        XCTAssertTrue(((result["message"] as? [String: Any])?["text"] as? String ?? "").contains("open_\u{1b}[31mlog"),
                      "JSON carries the exact name, escaped as JSON")
        XCTAssertEqual((result["partialFingerprints"] as? [String: String])?["fdhoundFingerprint/v1"],
                       Fingerprint.of(section: "leak", kind: "file", culprit: culprit))
    }
}
