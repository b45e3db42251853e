// The offline line-table decoders against what CPython itself says (code.co_lines() of the same function,
// printed by CPython 3.10.13 and 3.12.1 for a function with multi-line expressions and a comprehension).
@testable import FDHoundCore
import XCTest

final class PythonLineTableTests: XCTestCase {
    private func bytes(_ hex: String) -> [UInt8] {
        var result = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    func testPython310LineTable() {
        let table = bytes("080108010601060106ff08020201020104ff")
        let expected: [(UInt32, Int?)] = [(0, 3), (6, 3), (12, 4), (18, 5), (24, 6), (30, 5), (36, 7), (42, 8), (48, 8)]
        for (offset, line) in expected {
            XCTAssertEqual(PythonLineTable.line(table: table, firstLine: 2, pythonVersion: 0x030A0DF0, offset: offset),
                           line, "offset \(offset)")
        }
    }

    func testPython311PlusLocationTable() {
        let table = bytes("8000d80809884189058041d8070888318275e4161b98419368f603010d20d81112f203000e0ff000010d208801f000010d20e40f1290318b76880dd80c0dd80c0df103010d0ef00001050ff9f207010d20")
        let expected: [(UInt32, Int?)] = [(0, 2), (6, 3), (12, 4), (18, 4), (24, 6), (30, 6), (36, 6), (42, 5), (48, 5),
                                          (54, 5), (60, 5), (66, 5), (72, 7), (78, 7), (84, 7), (90, 7), (96, 8),
                                          (102, nil), (108, 5)]
        for (offset, line) in expected {
            XCTAssertEqual(PythonLineTable.line(table: table, firstLine: 2, pythonVersion: 0x030C01F0, offset: offset),
                           line, "offset \(offset)")
        }
    }

    /// A line table comes from the trace: deltas near 2^59 added up overflowed Int and trapped (found by
    /// review while writing the fuzz harness). Past the edge of Int the table is corrupt: no line.
    func testHugeLineDeltasGiveNoLineInsteadOfOverflowing() {
        let hugeDelta: [UInt8] = Array(repeating: 0x7F, count: 9) + [0x3F] // svarint −(2^59 − 1)
        let entry: [UInt8] = [0x80 | (13 << 3)] + hugeDelta                 // form 13: line delta only
        let table = Array([[UInt8]](repeating: entry, count: 40).joined())
        XCTAssertNil(PythonLineTable.line(table: table, firstLine: 1, pythonVersion: 0x030C_0000, offset: 1000))
        XCTAssertNotNil(PythonLineTable.line(table: table, firstLine: 1, pythonVersion: 0x030C_0000, offset: 0),
                        "entries before the overflow still have their (absurd but representable) line")
    }

    func testUnknownOffsetAndMissingTableGiveTheFirstLine() {
        XCTAssertEqual(PythonLineTable.line(table: [0x80], firstLine: 7, pythonVersion: 0x030C01F0, offset: UInt32.max), 7)
        XCTAssertEqual(PythonLineTable.line(table: [], firstLine: 7, pythonVersion: 0x030A0DF0, offset: 10), 7)
        // Offsets past the table and truncated tables never trap.
        XCTAssertNil(PythonLineTable.line(table: [0xF8, 0x40], firstLine: 1, pythonVersion: 0x030D00F0, offset: 400))
        XCTAssertNil(PythonLineTable.line(table: [0x08], firstLine: 1, pythonVersion: 0x030A0DF0, offset: 0))
    }

    func testStandardLibraryRule() {
        XCTAssertTrue(PythonFrames.isStandardLibrary("/usr/lib/python3.11/socket.py"))
        XCTAssertTrue(PythonFrames.isStandardLibrary("/root/.pyenv/versions/3.12.1/lib/python3.12/threading.py"))
        XCTAssertTrue(PythonFrames.isStandardLibrary("<frozen importlib._bootstrap>"))
        XCTAssertFalse(PythonFrames.isStandardLibrary("/usr/lib/python3/dist-packages/dbus/bus.py"))
        XCTAssertFalse(PythonFrames.isStandardLibrary("/venv/lib/python3.12/site-packages/pymodbus/client.py"))
        XCTAssertFalse(PythonFrames.isStandardLibrary("/srv/app/client.py"))
    }
}
