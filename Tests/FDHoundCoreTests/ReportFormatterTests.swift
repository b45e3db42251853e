// The formatters carry the key facts (count, kind, culprit, file:line, stack) and the JSON keeps its
// published names, checked through JSONSerialization rather than the library's own types.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class ReportFormatterTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory.make("format")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func thousandFilesReport(includeInherited: Bool = false) throws -> Report {
        try LeakyProgram.thousandFiles().builder.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = LeakyProgram.symbolizer()
        options.includeInherited = includeInherited
        return try ReportBuilder.build(tracePath: directory.path, options: options)
    }

    func testTextNamesCountsCulpritAndStack() throws {
        let text = ReportRenderer.render(try thousandFilesReport(), as: .text)
        XCTAssertTrue(text.hasPrefix("fdhound report — 1100 descriptors left open in 2 code paths, 1 process\n"), text)
        XCTAssertTrue(text.contains("#1  1000 × file  opened by fopen in leak_cache_files at leak_thousand_files.c:24"), text)
        XCTAssertTrue(text.contains("#2  100 × inet-socket  opened by socket in leak_probe_sockets at leak_thousand_files.c:31"), text)
        XCTAssertTrue(text.contains("opened here 1000 times, closed 0"), text)
        XCTAssertTrue(text.contains("sample: /etc/hostname (fds 3, 4, 5, 6, 7 and 995 more)"), text)
        XCTAssertTrue(text.contains("→ #2 leak_cache_files  /src/leak_thousand_files.c:24:5  (leaky)"), text)
        XCTAssertTrue(text.contains("#0 __libc_open64  ../sysdeps/unix/sysv/linux/open64.c:41:5  (libc.so.6)"), text)
        XCTAssertTrue(text.contains("process 4242  /work/bin/leaky --serve  exited  1100 leaked, 1103 open at end  RLIMIT_NOFILE 1024 (hard 524288)"), text)
        XCTAssertFalse(text.contains("/dev/pts/0"), "inherited descriptors hidden by default")
        let all = ReportRenderer.render(try thousandFilesReport(includeInherited: true), as: .text)
        XCTAssertTrue(all.contains("pid 4242 fd 0  pty  /dev/pts/0  (inherited)"), all)
    }

    func testTextWithoutLeaksSaysSo() throws {
        let b = TraceBuilder()
        b.open(fd: 3, path: "/x")
        b.close(fd: 3)
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = NullSymbolizer()
        let report = try ReportBuilder.build(tracePath: directory.path, options: options)
        let text = ReportRenderer.render(report, as: .text)
        XCTAssertTrue(text.contains("No descriptors left open."), text)
        XCTAssertEqual(summaryLine(report), "fdhound: no descriptors left open (1 process); fdhound report \(directory.path)")
    }

    func testTextMarksInlinedAndUnsymbolizedFrames() {
        let inlined = Frame(function: "helper", file: "/s/a.h", line: 3, column: 1, module: "/bin/app", address: "0x10", inlined: true)
        XCTAssertEqual(ReportWording.frameLine(inlined, index: 0), "#0 helper  /s/a.h:3:1  (app) [inlined]")
        let bare = Frame(module: "/lib/libc.so.6", address: "0x2a")
        XCTAssertEqual(ReportWording.frameLine(bare, index: 4), "#4 ??  (libc.so.6+0x2a)")
    }

    func testMarkdownHasSummaryTableSectionsAndCodeBlocks() throws {
        let markdown = ReportRenderer.render(try thousandFilesReport(), as: .markdown)
        XCTAssertTrue(markdown.hasPrefix("## fdhound report\n"), markdown)
        XCTAssertTrue(markdown.contains("| rank | count | kind | pattern | confidence | culprit | location |"), markdown)
        XCTAssertTrue(markdown.contains("| L1 | 1000 | file | growing | high | `leak_cache_files` | `leak_thousand_files.c:24` |"), markdown)
        XCTAssertTrue(markdown.contains("| L2 | 100 | inet-socket | repeated | low | `leak_probe_sockets` | `leak_thousand_files.c:31` |"), markdown)
        XCTAssertTrue(markdown.contains("### L1: 1000 × file opened by `fopen` in `leak_cache_files`"), markdown)
        XCTAssertTrue(markdown.contains("```\n#0 __libc_open64"), markdown)
        XCTAssertEqual(markdown.components(separatedBy: "```").count - 1, 4, "two fenced blocks")
    }

    func testMarkdownEscapesTableBreakers() {
        XCTAssertEqual(MarkdownFormatter.code("a|b"), "`a\\|b`")
        XCTAssertEqual(MarkdownFormatter.code("x`y"), "`` x`y ``")
        XCTAssertEqual(MarkdownFormatter.fence(for: ["has ``` inside"]), "````")
        XCTAssertEqual(MarkdownFormatter.escape("a_b*c"), "a\\_b\\*c")
    }

    func testJSONUsesThePublishedNames() throws {
        let json = ReportRenderer.render(try thousandFilesReport(), as: .json)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        // The published names must all be there (new fields may be added; none may be renamed).
        let published: Set<String> = ["schemaVersion", "tool", "tracePath", "processes", "leaks", "inherited",
                                      "execLeaks", "misuse", "warnings"]
        XCTAssertTrue(published.isSubset(of: Set(object.keys)), "missing: \(published.subtracting(object.keys))")
        XCTAssertEqual(object["schemaVersion"] as? Int, 1)
        let tool = try XCTUnwrap(object["tool"] as? [String: Any])
        XCTAssertEqual(tool["name"] as? String, "fdhound")
        XCTAssertEqual(tool["version"] as? String, "0.1.0")
        XCTAssertEqual(object["tracePath"] as? String, directory.path)

        let leaks = try XCTUnwrap(object["leaks"] as? [[String: Any]])
        XCTAssertEqual(leaks.count, 2)
        let first = leaks[0]
        let leakNames: Set<String> = ["id", "count", "kind", "api", "owner", "culprit", "stack", "samples", "pids",
                                      "perProcess", "firstSeenSeconds", "lastSeenSeconds", "openedAtSite", "closedAtSite"]
        XCTAssertTrue(leakNames.isSubset(of: Set(first.keys)), "missing: \(leakNames.subtracting(first.keys))")
        XCTAssertEqual(first["id"] as? String, "L1")
        XCTAssertEqual(first["count"] as? Int, 1000)
        XCTAssertEqual(first["kind"] as? String, "file")
        XCTAssertEqual(first["api"] as? String, "fopen")
        XCTAssertEqual(first["owner"] as? String, "FILE*")
        XCTAssertEqual(first["pids"] as? [Int], [4242])
        XCTAssertEqual(first["openedAtSite"] as? Int, 1000)
        XCTAssertEqual(first["closedAtSite"] as? Int, 0)
        let culprit = try XCTUnwrap(first["culprit"] as? [String: Any])
        XCTAssertEqual(culprit["function"] as? String, "leak_cache_files")
        XCTAssertEqual(culprit["file"] as? String, "/src/leak_thousand_files.c")
        XCTAssertEqual(culprit["line"] as? Int, 24)
        XCTAssertEqual(culprit["column"] as? Int, 5)
        XCTAssertEqual(culprit["module"] as? String, LeakyProgram.executable)
        XCTAssertEqual(culprit["address"] as? String, "0x1234")
        XCTAssertEqual(culprit["inlined"] as? Bool, false)
        let stack = try XCTUnwrap(first["stack"] as? [[String: Any]])
        XCTAssertEqual(stack.compactMap { $0["function"] as? String }.first, "__libc_open64")

        let inherited = try XCTUnwrap(object["inherited"] as? [[String: Any]])
        XCTAssertEqual(inherited.count, 3, "always present in JSON")
        XCTAssertEqual(inherited[0]["reason"] as? String, "inherited")
        let process = try XCTUnwrap((object["processes"] as? [[String: Any]])?.first)
        XCTAssertEqual(process["pid"] as? Int, 4242)
        XCTAssertEqual(process["state"] as? String, "exited")
        XCTAssertEqual(process["leaked"] as? Int, 1100)
        XCTAssertNotNil(process["dropped"] as? [String: Any])
        XCTAssertEqual(process["startTime"] as? String, "2023-11-14T22:13:20.000Z")
    }

    func testJSONRoundTripsThroughTheModel() throws {
        let report = try thousandFilesReport()
        let decoded = try JSONDecoder().decode(Report.self, from: Data(ReportRenderer.render(report, as: .json).utf8))
        XCTAssertEqual(decoded, report)
    }

    func testSummaryLine() throws {
        let report = try thousandFilesReport()
        XCTAssertEqual(summaryLine(report),
                       "fdhound: 1100 descriptors left open in 2 code paths (1 process); fdhound report \(directory.path)")
        var spaced = report
        spaced.tracePath = "/tmp/my traces"
        XCTAssertTrue(summaryLine(spaced).hasSuffix("fdhound report '/tmp/my traces'"))
    }
}
