// The HTML report: self-contained (a CSP that forbids loading anything, no script, no external URL), the
// Markdown report's content, a chart per process with a line per top code path, and every string from the
// trace escaped — a name can neither open a tag nor leave an attribute.
import CFDHoundTrace
import FDHoundTestSupport
import Foundation
import XCTest
@testable import FDHoundCore

final class HTMLFormatterTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory.make("html")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func report(_ builder: TraceBuilder) throws -> Report {
        try builder.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = FakeSymbolizer()
        options.includeInherited = true
        return try ReportBuilder.build(tracePath: directory.path, options: options)
    }

    /// A process that opens 30 files at one code path and keeps 20, and churns 10 sockets at another.
    private func churningTrace(path: String = "/data/cache.db") -> TraceBuilder {
        let b = TraceBuilder(pid: 77, executable: "/usr/bin/a", arguments: ["a", "--serve"])
        b.addModule(path: "/usr/bin/a", loadBias: 0, textStart: 0x1000, textEnd: 0x9000)
        let keep = b.stack([0x1100, 0x1200])
        let churn = b.stack([0x1300, 0x1200])
        var time: UInt64 = 1_000_000
        for fd in 3..<33 {
            b.open(fd: Int32(fd), path: path, stack: keep, timeNs: time)
            time += 1_000_000
            b.open(fd: 40, kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, stack: churn, timeNs: time)
            time += 500_000
            b.close(fd: 40, timeNs: time)
            if fd % 3 == 0 { b.close(fd: Int32(fd), timeNs: time + 100_000) }
        }
        b.exit(timeNs: time + 1_000_000)
        return b
    }

    func testPageIsSelfContainedWithTheMarkdownContentAndAChart() throws {
        let report = try report(churningTrace())
        let html = ReportRenderer.render(report, as: .html)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n"), html)
        XCTAssertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"), html)
        XCTAssertFalse(html.contains("<script"), "no script")
        XCTAssertFalse(html.contains(" src="), "nothing loaded")
        XCTAssertFalse(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("//"),
                       "no external URL")
        let leak = try XCTUnwrap(report.leaks.first)
        XCTAssertEqual(leak.count, 20)
        XCTAssertTrue(html.contains("<h3>L1: 20 × file opened by <code>open</code>"), html)
        XCTAssertTrue(html.contains("<td><a href=\"#L1\">L1</a></td><td class=\"n\">20</td><td>file</td>"), html)
        XCTAssertTrue(html.contains("<details><summary>stack (2 frames)</summary>"), html)
        // The chart: one figure for pid 77, the total and the keeping code path as lines with points.
        let series = try XCTUnwrap(report.openOverTime.first)
        XCTAssertEqual(series.pid, 77)
        XCTAssertEqual(series.total.last?.open, 20)
        XCTAssertEqual(series.total.map(\.open).max(), 21, "a socket was open at the top")
        XCTAssertEqual(series.codePaths.map(\.peak), [20], "the churning socket (one at a time) has no line")
        XCTAssertEqual(html.components(separatedBy: "<polyline ").count - 1, 2)
        for line in html.components(separatedBy: "points=\"").dropFirst() {
            let points = line.prefix { $0 != "\"" }.split(separator: " ")
            XCTAssertGreaterThan(points.count, 2, "a line with points")
        }
        XCTAssertTrue(html.contains("Open descriptors over time: pid 77 <code>a --serve</code>"), html)
    }

    func testStringsFromTheTraceAreEscaped() throws {
        let hostile = "/tmp/<script>alert(1)</script>\"><img src=x onerror=alert(2)>'&amp;\u{1B}[31m\u{202E}"
        let b = churningTrace(path: hostile)
        let html = ReportRenderer.render(try report(b), as: .html)
        XCTAssertFalse(html.contains("<script"), html)
        XCTAssertFalse(html.contains("<img"), html)
        XCTAssertTrue(html.contains("/tmp/&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&amp;amp;\\x1b[31m\\u{202E}"), html)
        let controls = html.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0.properties.generalCategory == .format
        }
        XCTAssertEqual(controls.map(\.value), [])
        XCTAssertEqual(MarkupEscapes.escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;")
    }
}
