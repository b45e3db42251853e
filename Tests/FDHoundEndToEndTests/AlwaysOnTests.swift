// End to end: `fdhound run --always-on` on a service loop that leaks now and then. Every descriptor is
// counted exactly and the leak is named with its code path's full stack, saying how many stacks were
// sampled, in every report format.
import Foundation
import XCTest

final class AlwaysOnTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    func testLeakIsNamedWithItsFullStackAndExactCount() throws {
        let program = try FixtureProgram.build("leak_now_and_then", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "--always-on", "--sample-first", "4", "--sample-every", "64", "-q",
                                      "-o", traces, "--", program.binaryPath])
        XCTAssertEqual(run.status, 0, "fdhound run failed: \(run.stderr)")
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = LeakView.all(in: report)
        XCTAssertEqual(leaks.count, 1, "one code path leaks, in one group: \(leaks.map(\.raw))")
        let leak = try XCTUnwrap(leaks.first)
        XCTAssertEqual(leak.count, 80)
        XCTAssertEqual(leak.culpritFunction, "read_config")
        XCTAssertEqual(leak.culpritLine, try program.line(ofMark: "read_config"))
        XCTAssertEqual(Array(leak.stackFunctions.prefix(12)),
                       ["read_config", "handle_request"] + Array(repeating: "dispatch", count: 9) + ["main"],
                       "the full stack")
        XCTAssertEqual(leak.raw["openedAtSite"] as? Int, 4000)
        XCTAssertEqual(leak.raw["closedAtSite"] as? Int, 3920)
        let sampling = try XCTUnwrap(leak.raw["stackSampling"] as? [String: Any], "\(leak.raw)")
        XCTAssertEqual(sampling["leaked"] as? Int, 80)
        XCTAssertEqual(sampling["opened"] as? Int, 4000)
        let withStack = try XCTUnwrap(sampling["openedWithStack"] as? Int)
        XCTAssertGreaterThanOrEqual(withStack, 4, "the first 4 openings have a full stack")
        XCTAssertLessThan(withStack, 4000, "the others were sampled: always-on mode was on")
        let leakedWithStack = try XCTUnwrap(sampling["leakedWithStack"] as? Int)
        XCTAssertGreaterThanOrEqual(leakedWithStack, 1, "request 0 is among the first 4 and leaks")
        XCTAssertLessThan(leakedWithStack, 80)

        for format in ["text", "markdown", "html", "sarif", "junit"] {
            let output = try FDHoundCLI.run(["report", traces, "--format", format])
            XCTAssertTrue(output.stdout.contains("of 80 descriptors have their own stack"),
                          "\(format) says how many stacks were sampled:\n\(output.stdout)")
        }
    }
}
