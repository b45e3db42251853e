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

    func testAMovedLineIsTheKnownFindingAnotherFunctionOrKindIsNew() throws {
        // Written before reports had fingerprints: matched by the fingerprint of its culprit.
        let path = try write("""
        {"schemaVersion": 1, "leaks": [{"kind": "file", "culprit": {"function": "load", "file": "/src/a.c", "line": 9}}]}
        """)
        let baseline = try Baseline(path: path)
        func finding(_ function: String, _ file: String, _ line: Int, kind: String = "file") -> CheckFindings.Finding {
            CheckFindings.Finding(signature: FindingSignature(section: "leak", kind: kind, function: function,
                                                              file: file, line: line), count: 1)
        }
        let moved = finding("load", "/elsewhere/checkout/a.c", 12)
        let otherFunction = finding("reload", "/src/a.c", 9)
        let otherKind = finding("load", "/src/a.c", 9, kind: "pipe")
        let otherFile = finding("load", "/src/b.c", 9)
        XCTAssertEqual(CheckFindings.new([moved, otherFunction, otherKind, otherFile], against: baseline)
            .map(\.signature.description),
                       [otherFunction, otherKind, otherFile].map(\.signature.description))
        XCTAssertEqual(CheckFindings.new([moved, otherFunction], against: nil).count, 2)
    }

    func testTheFingerprintInTheJSONIsTheOneBaselinesMatchBy() throws {
        let frame = Frame(function: "load", file: "/src/a.c", line: 9, module: "/bin/a", address: "0x1234")
        let fingerprint = Fingerprint.of(section: "leak", kind: "file", culprit: frame)
        XCTAssertEqual(fingerprint.count, 16)
        XCTAssertEqual(fingerprint, FindingSignature(section: "leak", kind: "file", function: "load", file: "/src/a.c",
                                                     line: 9, module: "/bin/a", address: "0x1234").fingerprint)
        XCTAssertEqual(fingerprint, Fingerprint.of(section: "leak", kind: "file",
                                                   culprit: Frame(function: "load", file: "/other/a.c", line: 40,
                                                                  module: "/usr/bin/a", address: "0x9999")),
                       "not the line, the directory or the address")
        XCTAssertNotEqual(fingerprint, Fingerprint.of(section: "misuse", kind: "file", culprit: frame))
        // Without a function name: the module's file name and the address are all there is.
        let bare = Fingerprint.of(section: "leak", kind: "file", culprit: Frame(module: "/lib/libx.so.1", address: "0x10"))
        XCTAssertNotEqual(bare, Fingerprint.of(section: "leak", kind: "file", culprit: Frame(module: "/lib/libx.so.1", address: "0x20")))
        XCTAssertEqual(bare, Fingerprint.of(section: "leak", kind: "file", culprit: Frame(module: "/opt/libx.so.1", address: "0x10")))
        // Fixed recipe: the same inputs give the same value in every run and every fdhound of this recipe.
        XCTAssertEqual(Fingerprint.of(section: "leak", kind: "file", function: "f", file: nil, module: nil, address: nil),
                       Fingerprint.of(section: "leak", kind: "file", function: "f", file: nil, module: "/x", address: "0x1"))
    }

    func testReportsCarryTheFingerprintOfEveryFinding() throws {
        let frame = Frame(function: "load", file: "/src/a.c", line: 9, module: "/bin/a", address: "0x1234")
        var report = Report(tracePath: "t", processes: [],
                            leaks: [LeakGroup(id: "L1", count: 2, kind: "file", api: "open", owner: "fd", culprit: frame,
                                              stack: [frame], samples: [], pids: [1], firstSeenSeconds: 0, lastSeenSeconds: 0)],
                            inherited: [], misuse: [MisuseGroup(id: "M1", kind: "double-close", count: 1, fd: 3, pids: [1],
                                                                close: .init(culprit: frame, stack: [frame]))],
                            warnings: [])
        Fingerprint.assign(to: &report)
        XCTAssertEqual(report.leaks[0].fingerprint, Fingerprint.of(section: "leak", kind: "file", culprit: frame))
        XCTAssertEqual(report.misuse[0].fingerprint, Fingerprint.of(section: "misuse", kind: "double-close", culprit: frame))
        let fromReport = Baseline(report: report)
        XCTAssertEqual(Set(fromReport.signatures.map(\.fingerprint)), [report.leaks[0].fingerprint, report.misuse[0].fingerprint])
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
