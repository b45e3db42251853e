// A binary rebuilt or removed after it was traced must not be symbolized from the new file: the recorded
// addresses would name the wrong functions and lines. The report says which module changed or is gone,
// and its frames fall back to module+offset.
import Foundation
import XCTest

final class ChangedBinaryTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func traceThousandFiles() throws -> (FixtureProgram, String) {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-o", traces, "--", program.binaryPath]).status, 0)
        return (program, traces)
    }

    func testRebuiltBinaryIsNotUsedForNamesAndTheReportSaysSo() throws {
        let (program, traces) = try traceThousandFiles()
        // Same path, different code: a new build-id, and the old addresses now point elsewhere.
        let rebuilt = try Command.run(["cc", "-g", "-O0", "-DREBUILT=1", "-o", program.binaryPath,
                                       program.sourcePath])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.stderr)
        let report = try FDHoundCLI.jsonReport(traces)
        let warnings = report["warnings"] as? [String] ?? []
        XCTAssertTrue(warnings.contains { $0.contains(program.binaryPath) && $0.contains("changed since it was traced") },
                      "\(warnings)")
        let leaks = LeakView.all(in: report)
        XCTAssertEqual(leaks.map(\.count), [1000, 100], "counts do not depend on symbols")
        for leak in leaks {
            XCTAssertEqual(leak.culpritFunction, "", "no name from the rebuilt file: \(leak.culprit)")
            XCTAssertEqual(leak.culprit["module"] as? String, program.binaryPath)
        }
    }

    func testRemovedBinaryDegradesToModuleAndOffset() throws {
        let (program, traces) = try traceThousandFiles()
        try FileManager.default.removeItem(atPath: program.binaryPath)
        let report = try FDHoundCLI.jsonReport(traces)
        let warnings = report["warnings"] as? [String] ?? []
        XCTAssertTrue(warnings.contains { $0.contains(program.binaryPath) && $0.contains("is gone") }, "\(warnings)")
        let leaks = LeakView.all(in: report)
        XCTAssertEqual(leaks.map(\.count), [1000, 100])
        XCTAssertTrue(leaks.allSatisfy { ($0.culprit["address"] as? String ?? "").hasPrefix("0x") })
    }
}
