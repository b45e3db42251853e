// `fdhound report --format html -o FILE` on a real leaky program, opened in headless Chromium (Debian's
// `chromium`, installed by tools/setup): the page's chart is drawn. Chromium's DOM holds the SVG lines with
// their points, and a screenshot differs from one of the same page with the lines hidden (pixels the
// lines paint), so the chart is not only present in the file but rendered. The page has no script (and
// its CSP forbids loading anything): what is drawn is the static SVG.
import Foundation
import XCTest

final class HTMLReportTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory("html")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func chromium(_ arguments: [String]) throws -> CommandResult {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let binary = try XCTUnwrap(chromium, "chromium is not installed (tools/setup installs it)")
        let profile = workDirectory.appendingPathComponent("profile").path
        return try Command.run([binary, "--headless", "--no-sandbox", "--disable-gpu",
                                "--user-data-dir=\(profile)", "--window-size=1000,1000", "--hide-scrollbars"] + arguments,
                               timeout: 120)
    }

    func testTheChartOfARealLeakIsDrawnInChromium() throws {
        let program = try FixtureProgram.build("churn_and_leak_slowly", in: workDirectory)
        let traces = workDirectory.appendingPathComponent("traces").path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", program.binaryPath, "20000"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "20\n")
        let page = workDirectory.appendingPathComponent("report.html")
        let report = try FDHoundCLI.run(["report", traces, "--format", "html", "-o", page.path])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertEqual(report.stdout, "", "-o: nothing on standard output")
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.contains("leak_one_in_a_thousand"), "the shim recorded the leak: \(html)")

        // Chromium's DOM: the SVG's lines, each with points; the top code path is the leaking one.
        let dom = try chromium(["--dump-dom", page.absoluteString])
        XCTAssertEqual(dom.status, 0, dom.stderr)
        let polylines = dom.stdout.components(separatedBy: "<polyline ").dropFirst()
        XCTAssertEqual(polylines.count, 2, "the total and the leaking code path: \(dom.stdout)")
        for line in polylines {
            let points = line.components(separatedBy: "points=\"").dropFirst().first?.prefix { $0 != "\"" } ?? ""
            XCTAssertGreaterThan(points.split(separator: " ").count, 2, "a line with points: \(line.prefix(200))")
        }
        XCTAssertTrue(dom.stdout.contains("file opened by open in leak_one_in_a_thousand at churn_and_leak_slowly.c:"),
                      "legend: \(dom.stdout)")

        // Pixels: the same page with its lines hidden looks different, by at least a line across the chart.
        let hidden = workDirectory.appendingPathComponent("hidden.html")
        try html.replacingOccurrences(of: "<polyline ", with: "<polyline visibility=\"hidden\" ")
            .write(to: hidden, atomically: true, encoding: .utf8)
        var shots = [String]()
        for (name, url) in [("drawn", page), ("hidden", hidden)] {
            let shot = workDirectory.appendingPathComponent("\(name).png").path
            let result = try chromium(["--screenshot=\(shot)", url.absoluteString])
            XCTAssertEqual(result.status, 0, result.stderr)
            shots.append(shot)
        }
        let script = FixtureProgram.fixturesDirectory.deletingLastPathComponent().appendingPathComponent("html/png_pixel_diff.py").path
        let diff = try Command.run(["python3", script] + shots)
        XCTAssertEqual(diff.status, 0, diff.stderr)
        let differing = try XCTUnwrap(Int(diff.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), diff.stdout)
        XCTAssertGreaterThan(differing, 600, "the chart's lines paint pixels (a line across a 700-pixel-wide chart)")
    }
}
