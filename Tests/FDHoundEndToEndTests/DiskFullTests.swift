// A trace on a disk that fills up (a 2 MB tmpfs; needs root to mount, skipped otherwise): the program runs
// on, and the report blames the disk for the dropped records, not the event log or the live table.
import Foundation
import XCTest

final class DiskFullTests: XCTestCase {
    func testAFullDiskIsNamedAsTheCause() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to mount a small tmpfs") }
        let workDirectory = try FDHoundCLI.temporaryDirectory("diskfull")
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let program = try FixtureProgram.build("leak_many_files", in: workDirectory)
        let mountPoint = workDirectory.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: false)
        let mount = try Command.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint.path])
        guard mount.status == 0 else { throw XCTSkip("cannot mount a tmpfs: \(mount.stderr)") }
        defer { _ = try? Command.run(["umount", mountPoint.path]) }

        let traces = mountPoint.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath, "15000"])
        XCTAssertEqual(run.status, 0, "the program runs on: \(run.stderr)")
        let report = try FDHoundCLI.jsonReport(traces)
        let warnings = report["warnings"] as? [String] ?? []
        let all = warnings.joined(separator: "\n")
        XCTAssertTrue(all.contains("the disk filled up while it ran"), all)
        XCTAssertTrue(all.contains("because the disk was full"), "which records the disk cost: \(all)")
        XCTAssertFalse(all.contains("event log full"), all)
        XCTAssertFalse(all.contains("live table's capacity"), all)
        let leaks = LeakView.all(in: report)
        XCTAssertTrue(leaks.contains { $0.culpritFunction == "leak_many_files" && $0.count > 0 },
                      "the records stored before the disk filled are reported: \(leaks.map(\.raw))")
    }
}
