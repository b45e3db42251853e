// Suppression files: the valgrind-style format (names, sections, fingerprints, fun:/src:/obj: globs and
// `...`), its errors with file and line, what an entry matches, and the report step that takes matched
// findings out, counts each entry's matches and warns about an unused one.
import XCTest
@testable import FDHoundCore

final class SuppressionTests: XCTestCase {
    private let stack = [
        Frame(function: "__libc_open64", file: "open64.c", line: 41, module: "/lib/libc.so.6", address: "0x1"),
        Frame(function: "ngx_conf_open_file", file: "/src/core/ngx_cycle.c", line: 1090, module: "/usr/sbin/nginx", address: "0x2"),
        Frame(function: "main", file: "/src/core/nginx.c", line: 290, module: "/usr/sbin/nginx", address: "0x3"),
    ]

    private func entry(_ text: String) throws -> SuppressionEntry {
        let entries = try SuppressionFile.parse(text, file: "s.supp")
        XCTAssertEqual(entries.count, 1)
        return try XCTUnwrap(entries.first)
    }

    func testFramesMatchFromTheInnermostWithEllipsisAndGlobs() throws {
        let through = try entry("{\n through-conf\n ...\n fun:ngx_conf_*\n}\n")
        XCTAssertTrue(through.matches(section: "leak", fingerprint: "x", stack: stack))
        let innermost = try entry("{\n innermost\n fun:ngx_conf_open_file\n}")
        XCTAssertFalse(innermost.matches(section: "leak", fingerprint: "x", stack: stack), "without ... the first frame is libc's")
        let sequence = try entry("{\n seq\n obj:libc.so*\n src:ngx_cycle.c\n fun:main\n}")
        XCTAssertTrue(sequence.matches(section: "leak", fingerprint: "x", stack: stack))
        let fullPath = try entry("{\n path\n ...\n src:/src/core/*\n}")
        XCTAssertTrue(fullPath.matches(section: "leak", fingerprint: "x", stack: stack))
        let missing = try entry("{\n missing\n ...\n fun:ngx_other\n}")
        XCTAssertFalse(missing.matches(section: "leak", fingerprint: "x", stack: stack))
    }

    func testSectionAndFingerprintMustHoldToo() throws {
        let e = try entry("{\n exact # a comment\n section: leak\n fingerprint: 6FFD9DE3CAA4A472\n ...\n fun:main\n}")
        XCTAssertEqual(e.fingerprint, "6ffd9de3caa4a472")
        XCTAssertTrue(e.matches(section: "leak", fingerprint: "6ffd9de3caa4a472", stack: stack))
        XCTAssertFalse(e.matches(section: "misuse", fingerprint: "6ffd9de3caa4a472", stack: stack))
        XCTAssertFalse(e.matches(section: "leak", fingerprint: "0000000000000000", stack: stack))
    }

    func testErrorsNameTheLine() {
        let cases = [("{\n a\n fun:\n}", 3, "without a value"), ("{\n a\n ...\n}", 4, "would match everything"),
                     ("fun:x", 1, "outside an entry"), ("{\n a\n fun:x\n", 1, "not closed"),
                     ("{\n a\n section: leaks\n fun:x\n}", 3, "unknown section"),
                     ("{\n a\n fingerprint: 123\n}", 3, "16 hex digits"), ("{\n a\n frame:x\n}", 3, "unknown line"),
                     ("{\n a\n fun:x\n}\n{\n a\n fun:y\n}", 8, "a second entry named")]
        for (text, line, problem) in cases {
            XCTAssertThrowsError(try SuppressionFile.parse(text, file: "s.supp"), text) { error in
                let error = error as? SuppressionError
                XCTAssertEqual(error?.line, line, "\(text): \(String(describing: error))")
                XCTAssertTrue(error?.description.contains(problem) == true, "\(text): \(String(describing: error))")
                XCTAssertTrue(error?.description.hasPrefix("suppressions s.supp:\(line): ") == true)
            }
        }
    }

    func testTheStepTakesMatchesOutCountsThemAndWarnsAboutUnused() throws {
        func leak(_ id: String, _ count: Int, _ function: String) -> LeakGroup {
            var frames = stack
            frames[1] = Frame(function: function, file: "/src/a.c", line: 1, module: "/bin/a", address: "0x9")
            var group = LeakGroup(id: id, count: count, kind: "file", api: "open", owner: "fd", culprit: frames[1],
                                  stack: frames, samples: [], pids: [1], firstSeenSeconds: 0, lastSeenSeconds: 0)
            group.fingerprint = Fingerprint.of(section: "leak", kind: "file", culprit: frames[1])
            return group
        }
        var report = Report(tracePath: "t", processes: [], leaks: [leak("L1", 5, "keep_log"), leak("L2", 3, "real_leak")],
                            inherited: [], warnings: [])
        let entries = try SuppressionFile.parse("{\n logs\n ...\n fun:keep_log\n}\n{\n stale\n ...\n fun:gone\n}\n", file: "s.supp")
        SuppressionStep.apply(entries, to: &report)
        XCTAssertEqual(report.leaks.map(\.id), ["L2"])
        XCTAssertEqual(report.suppressions.map(\.findings), [1, 0])
        XCTAssertEqual(report.suppressions.first?.descriptors, 5)
        XCTAssertEqual(report.suppressions.first?.fingerprints, [leak("L1", 5, "keep_log").fingerprint])
        XCTAssertEqual(report.warnings, ["suppression 'stale' (s.supp:6) matched nothing: remove it if the finding is gone"])
        let text = ReportRenderer.render(report, as: .text)
        XCTAssertTrue(text.hasPrefix("fdhound report — 3 descriptors left open in 1 code path (1 finding suppressed), "), text)
        XCTAssertTrue(text.contains("Suppressions:\n  logs (s.supp:1): 1 finding, 5 descriptors\n  stale (s.supp:6): matched nothing"), text)
        XCTAssertTrue(ReportRenderer.render(report, as: .markdown).contains("### Suppressions"))
        XCTAssertTrue(ReportRenderer.render(report, as: .sarif).contains("\"fdhoundSuppressions\""))
    }

    func testGeneratedEntriesParseAndMatchTheirFindings() throws {
        let named = Frame(function: "keep_log", file: "/src/a.c", line: 4, module: "/bin/a", address: "0x9")
        let stripped = Frame(module: "/bin/b", address: "0x77")
        var report = Report(tracePath: "t", processes: [], leaks: [
            LeakGroup(id: "L1", count: 1, kind: "file", api: "open", owner: "fd", culprit: named, stack: [stack[0], named],
                      samples: [], pids: [1], firstSeenSeconds: 0, lastSeenSeconds: 0),
            LeakGroup(id: "L2", count: 1, kind: "file", api: "open", owner: "fd", culprit: stripped, stack: [stack[0], stripped],
                      samples: [], pids: [1], firstSeenSeconds: 0, lastSeenSeconds: 0),
        ], inherited: [], warnings: [])
        Fingerprint.assign(to: &report)
        let text = SuppressionWording.generate(for: report)
        let entries = try SuppressionFile.parse(text, file: "gen.supp")
        XCTAssertEqual(entries.map(\.name), ["L1-keep_log", "L2-b"])
        XCTAssertNil(entries[0].fingerprint, "a named culprit's fingerprint is a comment")
        XCTAssertEqual(entries[1].fingerprint, report.leaks[1].fingerprint, "a stripped one's decides")
        var suppressed = report
        SuppressionStep.apply(entries, to: &suppressed)
        XCTAssertEqual(suppressed.leaks, [])
        XCTAssertEqual(suppressed.suppressions.map(\.findings), [1, 1])
    }
}
