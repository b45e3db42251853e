// Golden snapshots: the report of the committed traces in Tests/Fixtures/traces/golden (recorded by
// tools/record-golden-traces: every section — leaks, phases, exec leaks and passing, misuse, near-limit
// evidence and EMFILE, D-Bus connections, time left and the chart, CPython reclaimed, growth and outlived
// phases — with inherited descriptors listed) in every format, byte for byte against Tests/Fixtures/golden/report.*.
// Machine-independent: frames stay module+offset (UnnamedFramesSymbolizer: nothing of this machine's
// modules is read), no comparison of modules with this machine's files, the checkout's paths relative. Re-record after an intended change with
//     FDHOUND_RECORD_SNAPSHOTS=1 swift test --filter GoldenReportTests
// and read the diff before committing it.
import FDHoundTestSupport
import Foundation
import XCTest
@testable import FDHoundCore

final class GoldenReportTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    private static let traces = fixtures.appendingPathComponent("traces/golden")
    private static let snapshots = fixtures.appendingPathComponent("golden")

    static let fileExtension: [ReportFormat: String] = [.text: "txt", .markdown: "md", .json: "json", .sarif: "sarif",
                                                        .html: "html", .junit: "xml"]

    /// The golden report, its machine-dependent paths made relative to the checkout.
    static func goldenReport() throws -> Report {
        var options = ReportOptions()
        options.symbolizer = UnnamedFramesSymbolizer()
        options.includeInherited = true
        options.checkModuleFiles = false
        options.maxFrames = 6 // enough to show folding and culprits; keeps the snapshots readable
        var report = try ReportBuilder.build(tracePath: traces.path, options: options)
        let root = fixtures.deletingLastPathComponent().deletingLastPathComponent().path + "/"
        report.tracePath = String(report.tracePath.dropFirst(root.count))
        for index in report.processes.indices where report.processes[index].traceFile.hasPrefix(root) {
            report.processes[index].traceFile = String(report.processes[index].traceFile.dropFirst(root.count))
        }
        return report
    }

    func testTheFixtureHoldsEverySection() throws {
        let report = try Self.goldenReport()
        XCTAssertFalse(report.leaks.isEmpty)
        XCTAssertTrue(report.leaks.contains { $0.phase != nil }, "leaks in phases")
        XCTAssertFalse(report.execLeaks.isEmpty)
        XCTAssertFalse(report.execPassed.isEmpty)
        XCTAssertFalse(report.misuse.isEmpty)
        XCTAssertFalse(report.reclaimed.isEmpty)
        XCTAssertFalse(report.growth.isEmpty)
        XCTAssertFalse(report.outlivedPhase.isEmpty)
        XCTAssertFalse(report.timeLeft.isEmpty)
        XCTAssertFalse(report.openOverTime.isEmpty)
        XCTAssertFalse(report.inherited.isEmpty)
        XCTAssertFalse(report.warnings.isEmpty)
        XCTAssertTrue(report.processes.contains { $0.evidence != nil }, "near-limit evidence")
        XCTAssertTrue(report.processes.contains { $0.dbus != nil }, "D-Bus connections")
        XCTAssertTrue(report.leaks.contains { $0.kind == "dbus" }, "a leaked D-Bus connection")
        XCTAssertTrue(report.processes.contains { !$0.phases.isEmpty })
    }

    /// Every finding, of every section, says how sure the report is and why (issue 10); passed-on-purpose
    /// descriptors are not findings and say nothing.
    func testEveryFindingHasAConfidenceAndAReason() throws {
        let report = try Self.goldenReport()
        var assessed: [(id: String, confidence: Confidence?, reason: String?)] = report.leaks.map { ($0.id, $0.confidence, $0.reason) }
        assessed += report.execLeaks.map { ($0.id, $0.confidence, $0.reason) }
        assessed += report.misuse.map { ($0.id, $0.confidence, $0.reason) }
        assessed += report.reclaimed.map { ($0.id, $0.confidence, $0.reason) }
        assessed += report.growth.map { ($0.id, $0.confidence, $0.reason) }
        assessed += report.outlivedPhase.map { ($0.id, $0.confidence, $0.reason) }
        XCTAssertGreaterThan(Set(assessed.map { $0.id.prefix(1) }).count, 5, "findings of every kind: \(assessed.map(\.id))")
        for finding in assessed {
            XCTAssertNotNil(finding.confidence, finding.id)
            XCTAssertFalse(finding.reason?.isEmpty ?? true, finding.id)
        }
        XCTAssertTrue(report.execPassed.allSatisfy { $0.confidence == nil && $0.reason == nil })
    }

    func testEveryFormatMatchesItsSnapshot() throws {
        let report = try Self.goldenReport()
        let record = ProcessInfo.processInfo.environment["FDHOUND_RECORD_SNAPSHOTS"] == "1"
        for format in ReportFormat.allCases {
            let ext = try XCTUnwrap(Self.fileExtension[format], "a snapshot file for \(format)")
            let file = Self.snapshots.appendingPathComponent("report.\(ext)")
            let rendered = ReportRenderer.render(report, as: format)
            if record {
                try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
                try Data(rendered.utf8).write(to: file)
                continue
            }
            let expected = try String(contentsOf: file, encoding: .utf8)
            if rendered != expected {
                let got = rendered.components(separatedBy: "\n"), want = expected.components(separatedBy: "\n")
                let line = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
                XCTFail("""
                    \(format) differs from \(file.lastPathComponent) at line \(line + 1):
                      snapshot: \(line < want.count ? want[line] : "(end)")
                      now:      \(line < got.count ? got[line] : "(end)")
                    If the change is intended: FDHOUND_RECORD_SNAPSHOTS=1 swift test --filter GoldenReportTests
                    """)
            }
        }
        if record { throw XCTSkip("snapshots re-recorded in \(Self.snapshots.path): review the diff") }
    }
}
