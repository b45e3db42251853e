// The JUnit report with hostile names: whatever a path holds (markup, a CDATA end, control and bidi
// characters, U+FFFE that XML forbids), the file stays well-formed XML — Python's parser reads it — and
// shows the name escaped.
import FDHoundTestSupport
import Foundation
import XCTest
@testable import FDHoundCore

final class JUnitFormatterTests: XCTestCase {
    func testHostileNamesKeepTheXMLWellFormed() throws {
        let hostile = "/tmp/</failure><testcase name=\"x\"/>]]>&amp;\u{1B}[31m\u{202E}\u{FFFE}\u{7}'"
        let b = TraceBuilder(pid: 31, executable: "/usr/bin/a<b>", arguments: ["a<b>", "--x=\"&'"])
        b.addModule(path: "/usr/bin/a<b>", loadBias: 0, textStart: 0x1000, textEnd: 0x9000)
        let stack = b.stack([0x1100, 0x1200])
        // Opened through the run, never closed: a growing leak, which fails its case (held-once ones are notes).
        for fd in Int32(3)...7 { b.open(fd: fd, path: hostile, stack: stack, timeNs: UInt64(fd) * 1_000_000_000) }
        b.exit(timeNs: 8_000_000_000)
        let directory = try TemporaryDirectory.make("junit")
        defer { try? FileManager.default.removeItem(at: directory) }
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = FakeSymbolizer()
        let xml = ReportRenderer.render(try ReportBuilder.build(tracePath: directory.path, options: options), as: .junit)
        XCTAssertFalse(xml.contains("</failure><testcase"), xml)
        XCTAssertTrue(xml.contains("<testsuite name=\"pid 31: a&lt;b&gt; --x=&quot;&amp;&#39;\""), xml)

        let file = directory.appendingPathComponent("junit.xml")
        try Data(xml.utf8).write(to: file)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            cases = root.findall("testsuite/testcase")
            print(len(cases), cases[0].find("failure").get("message"))
            """, file.path]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        python.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(python.terminationStatus, 0, "not well-formed: \(xml)")
        XCTAssertTrue(printed.hasPrefix("1 L1: 5 × file left open"), printed)
        XCTAssertTrue(xml.contains("/tmp/&lt;/failure&gt;&lt;testcase name=&quot;x&quot;/&gt;]]&gt;&amp;amp;\\x1b[31m\\u{202E}\\u{FFFE}\\x07&#39;"), xml)
    }
}
