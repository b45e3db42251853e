// The Markdown report as GitHub renders it: cmark-gfm (GitHub's CommonMark fork, Debian's `cmark-gfm`,
// installed by tools/setup) with the table extension and raw HTML allowed, as in an issue. The findings
// table comes out as an HTML table with one row per finding, each stack as a <details> block holding a
// code block, and names that hold Markdown (a newline and `#`, pipes, backticks) start no heading or row;
// the environment names the kernel and C library the traced process ran on.
import Foundation
import XCTest

final class MarkdownRenderingTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// The HTML cmark-gfm makes of `markdown`.
    private func render(_ markdown: String) throws -> String {
        let file = workDirectory.appendingPathComponent("report.md")
        try Data(markdown.utf8).write(to: file)
        let cmark = try XCTUnwrap(["/usr/bin/cmark-gfm"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                  "cmark-gfm is not installed (tools/setup installs it)")
        let result = try Command.run([cmark, "--unsafe", "-e", "table", file.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }

    private func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    func testTablesAndDetailsComeOutAsHTML() throws {
        let program = try FixtureProgram.build("leak_thousand_files", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath]).status, 0)
        let markdown = try FDHoundCLI.run(["report", traces, "--format", "markdown"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        let html = try render(markdown.stdout)
        XCTAssertTrue(html.contains("<th>rank</th>\n<th align=\"right\">count</th>"), html)
        // rank, count, kind, pattern, confidence (their values: LeakAssessmentTests), culprit.
        XCTAssertNotNil(html.range(of: #"<td>L1</td>\n<td align="right">1000</td>\n<td>file</td>\n<td>(growing|repeated|once)</td>\n<td>(high|medium|low)</td>\n<td><code>leak_cache_files</code></td>"#,
                                   options: .regularExpression), html)
        XCTAssertTrue(html.contains("<td>L2</td>"), html)
        XCTAssertEqual(count("<table>", in: html), 2, "findings and processes")
        XCTAssertEqual(count("<details><summary>stack (", in: html), 2, "one folded stack per finding")
        XCTAssertEqual(count("</details>", in: html), 2)
        let firstDetails = try XCTUnwrap(html.components(separatedBy: "<details>").dropFirst().first)
        XCTAssertTrue(firstDetails.contains("<pre><code>#0 ") && firstDetails.contains("leak_cache_files  "),
                      "the stack is a code block inside: \(firstDetails)")
        XCTAssertTrue(html.contains("<h3>Environment</h3>"), html)
        XCTAssertTrue(html.contains("<li>program: <code>\(program.binaryPath)</code></li>"), html)
        // The kernel and C library the shim recorded are this machine's, as uname and getconf say.
        let uname = try Command.run(["/bin/uname", "-s", "-r", "-m"])
        let libc = try Command.run(["/usr/bin/getconf", "GNU_LIBC_VERSION"])
        XCTAssertEqual(uname.status, 0, uname.stderr)
        XCTAssertEqual(libc.status, 0, libc.stderr)
        let kernelLine = "<li>kernel: <code>\(uname.stdout.trimmingCharacters(in: .whitespacesAndNewlines))</code></li>"
        let libcLine = "<li>libc: <code>\(libc.stdout.trimmingCharacters(in: .whitespacesAndNewlines))</code></li>"
        XCTAssertTrue(html.contains(kernelLine), "expected \(kernelLine) in \(html)")
        XCTAssertTrue(html.contains(libcLine), "expected \(libcLine) in \(html)")
    }

    func testHostileNamesStartNoHeadingRowOrTag() throws {
        let program = try FixtureProgram.build("leak_hostile_names", in: workDirectory)
        let names = workDirectory.appendingPathComponent("n")
        try FileManager.default.createDirectory(at: names, withIntermediateDirectories: false)
        let traces = workDirectory.appendingPathComponent("traces").path
        XCTAssertEqual(try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath, names.path]).status, 0)
        let markdown = try FDHoundCLI.run(["report", traces, "--format", "markdown"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        XCTAssertTrue(markdown.stdout.contains("leak_hostile_file"), "the shim recorded: \(markdown.stdout)")
        let html = try render(markdown.stdout)
        XCTAssertFalse(html.contains("<h1>"), "a name started a heading: \(html)")
        XCTAssertTrue(html.contains("nl\\n# heading"), "the name is shown, escaped, inside its line: \(html)")
        // Every row of the findings table has its seven cells: no pipe in a name split one.
        let findings = try XCTUnwrap(html.components(separatedBy: "<table>").dropFirst().first)
        for row in findings.components(separatedBy: "<tr>").dropFirst(2) {
            XCTAssertEqual(count("<td", in: row.components(separatedBy: "</tr>")[0]), 7, row)
        }
    }
}
