// The text report on a terminal: coloured by line role only when asked, every line within the width
// (wrapped at spaces, continued indented), and plain text untouched.
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TerminalStyleTests: XCTestCase {
    private let text = """
        fdhound report — 1100 descriptors left open in 2 code paths, 1 process

        #1  1000 × file  opened by fopen in leak_cache_files at leak_thousand_files.c:24
            opened here 1000 times, closed 0; first seen 0.001 s, last 0.020 s; pid 4242
            ⚠ 12 in CLOSE_WAIT at exit: the peer hung up and this process never closed them
          → #2 leak_cache_files  /src/a/very/long/path/to/the/sources/of/leak_thousand_files.c:24:5  (leaky)
            #3 main  /src/leak_thousand_files.c:40:5  (leaky)

        Warnings:
          - something
        """

    func testPlainIsUntouched() {
        XCTAssertEqual(TerminalStyle.plain.apply(to: text), text)
    }

    func testColourMarksRolesOnly() {
        let styled = TerminalStyle(colour: true, width: nil).apply(to: text)
        XCTAssertEqual(styled.components(separatedBy: "\n").count, text.components(separatedBy: "\n").count)
        XCTAssertTrue(styled.hasPrefix("\u{1B}[1mfdhound report — "), styled)
        XCTAssertTrue(styled.contains("\n\u{1B}[1;31m#1  1000 × file  opened by fopen"), styled)
        XCTAssertTrue(styled.contains("\u{1B}[33m    ⚠ 12 in CLOSE_WAIT"), styled)
        XCTAssertTrue(styled.contains("\u{1B}[1m  → #2 leak_cache_files"), styled)
        XCTAssertTrue(styled.contains("\n    #3 main  /src/leak_thousand_files.c:40:5  (leaky)\n"), "other frames plain")
        XCTAssertTrue(styled.contains("\u{1B}[1mWarnings:\u{1B}[0m"), styled)
        XCTAssertEqual(styled.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression), text,
                       "only SGR codes are added")
    }

    func testLinesFitTheWidth() {
        for width in [40, 60, 79] {
            let wrapped = TerminalStyle(colour: false, width: width).apply(to: text)
            for line in wrapped.split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, width, "\(width): \(line)")
            }
            // Nothing is lost: the same characters, in order (a path longer than the width is cut).
            XCTAssertEqual(wrapped.filter { $0 != " " && $0 != "\n" }, text.filter { $0 != " " && $0 != "\n" }, "\(width)")
        }
        let wrapped = TerminalStyle(colour: false, width: 60).apply(to: text)
        XCTAssertTrue(wrapped.contains("  → #2 leak_cache_files\n    /src/a/very/long/path/to/the/sources/of/leak_thousand_fi\n    les.c:24:5  (leaky)\n"),
                      "a word longer than the room is cut, continued under its indentation: \(wrapped)")
        XCTAssertTrue(wrapped.contains("    opened here 1000 times, closed 0; first seen 0.001 s,\n      last 0.020 s; pid 4242\n"), wrapped)
    }
}
