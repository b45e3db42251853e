// Names from the traced program are raw bytes: decoded without loss (RawBytesText), shown with visible
// escapes in text, markdown and live output (VisibleEscapes), and kept exact in JSON (\udcNN for bytes that
// are not UTF-8), which a baseline reads back.
import FDHoundTestSupport
import Foundation
import XCTest
@testable import FDHoundCore

final class EscapingTests: XCTestCase {
    private let hostile: [UInt8] = Array("/tmp/a\u{1B}[31mred\u{1B}]0;title\u{07}\r\u{8}\n# forged\u{202E}txt.exe|`x`".utf8)
        + [0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xE2, 0x82] + Array("end".utf8)

    func testDecodingKeepsEveryByte() {
        for bytes in [hostile, Array("plain/ü/日本".utf8), [0xF4, 0x8F, 0xBE, 0x80], [0x80], [], [0xF0, 0x9F, 0x98]] {
            XCTAssertEqual(RawBytesText.encode(RawBytesText.decode(bytes)), bytes, "\(bytes)")
        }
        XCTAssertEqual(RawBytesText.decode(Array("plain/ü/日本".utf8)), "plain/ü/日本")
        XCTAssertFalse(RawBytesText.decode(hostile).contains("\u{FFFD}"), "no replacement characters")
    }

    func testEscapesAreVisibleAndIdempotent() {
        let shown = VisibleEscapes.escape(RawBytesText.decode(hostile))
        XCTAssertEqual(shown, "/tmp/a\\x1b[31mred\\x1b]0;title\\x07\\r\\x08\\n# forged\\u{202E}txt.exe|`x`"
            + "\\xff\\xc0\\x80\\xed\\xa0\\x80\\xe2\\x82end")
        XCTAssertEqual(VisibleEscapes.escape(shown), shown)
        XCTAssertEqual(VisibleEscapes.escape("\u{85}\u{2028}\u{200B}\u{FEFF}\t\u{7F}"), "\\u{85}\\u{2028}\\u{200B}\\u{FEFF}\\t\\x7f")
        XCTAssertEqual(VisibleEscapes.escape("ok ü 日本 → × ⚠ \\x41"), "ok ü 日本 → × ⚠ \\x41", "visible text is kept")
        XCTAssertTrue(shown.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F })
    }

    private func hostileReport() throws -> Report {
        let b = TraceBuilder(pid: 31, executable: "/usr/bin/a\u{1B}]0;x\u{07}", arguments: ["prog", "--name=\u{1B}[2J\ninjected"])
        b.addModule(path: "/usr/bin/a", loadBias: 0, textStart: 0x1000, textEnd: 0x9000)
        let stack = b.stack([0x1100, 0x1200])
        b.open(fd: 3, stack: stack, pathBytes: hostile)
        b.exit(timeNs: 1000)
        let directory = try TemporaryDirectory.make("escaping")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = FakeSymbolizer()
        options.includeInherited = true
        return try ReportBuilder.build(tracePath: directory.path, options: options)
    }

    func testTextAndMarkdownCarryNoRawControlsAndNoForgedLines() throws {
        let report = try hostileReport()
        for format in [ReportFormat.text, .markdown] {
            let output = ReportRenderer.render(report, as: format)
            let controls = output.unicodeScalars.filter {
                ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value)
                    || $0.properties.generalCategory == .format || RawBytesText.markedByte($0) != nil
            }
            XCTAssertEqual(controls.map(\.value), [], "\(format): raw control characters")
            XCTAssertTrue(output.contains("\\x1b[31mred\\x1b]0;title\\x07\\r\\x08\\n# forged\\u{202E}txt.exe"), "\(format): \(output)")
            XCTAssertTrue(output.contains("\\xff\\xc0\\x80"), "\(format): invalid bytes as escapes")
            XCTAssertTrue(output.contains("--name=\\x1b[2J\\ninjected"), "\(format): argv escaped: \(output)")
            let lines = output.split(separator: "\n")
            XCTAssertFalse(lines.contains { $0.hasPrefix("# forged") || $0.hasPrefix("injected") }, "\(format): forged line")
        }
        let markdown = ReportRenderer.render(report, as: .markdown)
        // Every table row keeps its column count: pipes from names are escaped inside code spans.
        for row in markdown.split(separator: "\n") where row.hasPrefix("| ") {
            let unescapedPipes = row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            XCTAssertTrue([6, 8].contains(unescapedPipes), "row broken: \(row)")
        }
    }

    func testJSONKeepsTheExactBytesAndABaselineReadsThem() throws {
        let report = try hostileReport()
        let json = ReportRenderer.render(report, as: .json)
        XCTAssertTrue(json.contains("\\u001b[31mred"), "controls are JSON escapes")
        XCTAssertTrue(json.contains("\\udcff\\udcc0\\udc80\\udced\\udca0\\udc80\\udce2\\udc82end"), "bytes as \\udcNN")
        XCTAssertFalse(json.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        // The JSON text read back (the way Baseline does) gives the exact bytes.
        let readable = RawBytesText.jsonReadingMarkers(json)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(readable.utf8)) as? [String: Any])
        let samples = (object["leaks"] as? [[String: Any]])?.first?["samples"] as? [String] ?? []
        let sample = try XCTUnwrap(samples.first, "\(object)")
        XCTAssertTrue(RawBytesText.encode(sample).starts(with: hostile), "\(sample)")
        // A report with such bytes is a valid baseline.
        let file = try TemporaryDirectory.make("escaping-baseline").appendingPathComponent("b.json")
        addTeardownBlock { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data(json.utf8).write(to: file)
        XCTAssertEqual(try Baseline(path: file.path).counts.values.reduce(0, +), 1)
        // An escaped backslash before "udc80" is text, not a byte.
        XCTAssertEqual(RawBytesText.jsonReadingMarkers("\"\\\\udc80\""), "\"\\\\udc80\"")
    }

    func testLiveOutputIsEscaped() {
        let snapshot = LiveSnapshot(pid: 5, command: RawBytesText.decode(hostile), openDescriptors: 3, softLimit: 1024,
                                    hardLimit: 4096, byKind: [("file", 3)])
        let screen = LiveRenderer.render(snapshot)
        XCTAssertFalse(screen.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.properties.generalCategory == .format })
        XCTAssertTrue(screen.contains("\\x1b[31mred"), screen)
    }
}
