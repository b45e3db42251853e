// The reader rejects what it cannot trust with a TraceError naming the file and the problem: wrong magic,
// newer or zero version, byte order, sizes, truncation, and a section directory pointing anywhere unsafe.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TraceFileValidationTests: XCTestCase {
    private let path = "/traces/fdhound.4242.trace"

    private func problem(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try TraceFile(bytes: bytes, path: path)
            XCTFail("accepted a bad trace", file: file, line: line)
            return ""
        } catch let error as TraceError {
            XCTAssertTrue(error.description.hasPrefix(path), "message names the file: \(error)", file: file, line: line)
            return error.problem
        } catch {
            XCTFail("not a TraceError: \(error)", file: file, line: line)
            return ""
        }
    }

    private func edited(_ edit: @escaping (inout fdh_header) -> Void) -> [UInt8] {
        let b = TraceBuilder()
        b.open(fd: 3, path: "/x", stack: b.stack([0x10, 0x20]))
        b.editHeader = edit
        return b.build()
    }

    private func editSection(type: fdh_section_type, _ edit: @escaping (inout fdh_section) -> Void) -> [UInt8] {
        edited { header in
            withUnsafeMutableBytes(of: &header.sections) { raw in
                for index in 0..<Int(header.section_count) {
                    let at = index * MemoryLayout<fdh_section>.size
                    var section = raw.loadUnaligned(fromByteOffset: at, as: fdh_section.self)
                    if section.type == type.rawValue {
                        edit(&section)
                        raw.storeBytes(of: section, toByteOffset: at, as: fdh_section.self)
                    }
                }
            }
        }
    }

    func testRejectsWrongMagic() {
        var bytes = TraceBuilder().build()
        bytes[0] = UInt8(ascii: "X")
        XCTAssertTrue(problem(bytes).contains("does not look like an fdhound trace"))
        XCTAssertTrue(problem(Array("this is not a trace at all".utf8)).contains("does not look like an fdhound trace"))
        XCTAssertTrue(problem([]).contains("does not look like an fdhound trace"))
    }

    func testRejectsNewerVersionNamingBoth() {
        let b = TraceBuilder()
        b.version = FDH_FORMAT_VERSION + 1
        XCTAssertEqual(problem(b.build()),
                       "written by trace format version \(FDH_FORMAT_VERSION + 1); this fdhound reads up to \(FDH_FORMAT_VERSION)")
    }

    func testRejectsVersionZero() {
        let b = TraceBuilder()
        b.version = 0
        XCTAssertTrue(problem(b.build()).contains("version 0"))
    }

    func testRejectsOtherByteOrderAndPointerWidth() {
        XCTAssertTrue(problem(edited { $0.endian_mark = FDH_ENDIAN_MARK.byteSwapped }).contains("byte order"))
        XCTAssertTrue(problem(edited { $0.endian_mark = 7 }).contains("endian mark"))
        XCTAssertTrue(problem(edited { $0.pointer_width = 4 }).contains("pointer width 4"))
    }

    func testRejectsSmallHeaderSizeAndTooManySections() {
        XCTAssertTrue(problem(edited { $0.header_size = 600 }).contains("header size 600"))
        XCTAssertTrue(problem(edited { $0.section_count = 17 }).contains("section count 17"))
    }

    func testTruncationNamesBothSizes() {
        let bytes = TraceBuilder().build()
        let cut = Array(bytes.prefix(bytes.count - 4096))
        XCTAssertEqual(problem(cut), "truncated: header says \(bytes.count) bytes, file has \(cut.count)")
        XCTAssertTrue(problem(Array(bytes.prefix(100))).contains("truncated"))
    }

    func testEveryPrefixIsATraceErrorNeverACrash() {
        let b = TraceBuilder()
        b.open(fd: 3, path: "/x", stack: b.stack([0x10, 0x20]))
        let bytes = b.build()
        var cuts = Array(0...800)
        cuts += stride(from: 801, to: bytes.count, by: 61)
        cuts += [bytes.count - 1, bytes.count - 4096, bytes.count - 4097]
        for cut in cuts {
            XCTAssertThrowsError(try TraceFile(bytes: Array(bytes.prefix(cut)), path: path), "prefix \(cut)") { error in
                XCTAssertTrue(error is TraceError, "prefix \(cut): \(error)")
            }
        }
        XCTAssertNoThrow(try TraceFile(bytes: bytes, path: path))
    }

    func testRejectsMisalignedSection() {
        let bytes = editSection(type: FDH_SECTION_EVENTS) { $0.offset += 8 }
        XCTAssertTrue(problem(bytes).contains("events section offset"), problem(bytes))
    }

    func testRejectsSectionPastTheEnd() {
        let bytes = editSection(type: FDH_SECTION_LIVE_FDS) { $0.capacity += 1000 }
        XCTAssertTrue(problem(bytes).contains("live fds section"), problem(bytes))
        XCTAssertTrue(problem(bytes).contains("extends past the end"))
    }

    func testRejectsSectionSizeThatOverflows() {
        let bytes = editSection(type: FDH_SECTION_CALL_SITES) { $0.capacity = UInt64.max / 16 }
        XCTAssertTrue(problem(bytes).contains("call sites section"), problem(bytes))
        let offsetOverflow = editSection(type: FDH_SECTION_MODULES) { $0.offset = UInt64.max - 4095 }
        XCTAssertTrue(problem(offsetOverflow).contains("modules section"), problem(offsetOverflow))
    }

    func testRejectsSectionOverlappingTheHeader() {
        let bytes = editSection(type: FDH_SECTION_STRINGS) { $0.offset = 0 }
        XCTAssertTrue(problem(bytes).contains("overlaps the header"), problem(bytes))
    }

    func testRejectsEntrySizeSmallerThanKnown() {
        let bytes = editSection(type: FDH_SECTION_STACK_NODES) { $0.entry_size = 8 }
        XCTAssertTrue(problem(bytes).contains("stack nodes section entry size 8"), problem(bytes))
    }

    func testRejectsMissingAndDuplicateRequiredSections() {
        let missing = editSection(type: FDH_SECTION_CALL_SITES) { $0.type = 99 }
        XCTAssertEqual(problem(missing), "has no call sites section")
        let duplicate = editSection(type: FDH_SECTION_CALL_SITES) { $0.type = FDH_SECTION_EVENTS.rawValue }
        XCTAssertTrue(problem(duplicate).contains("two events sections"), problem(duplicate))
    }

    func testRejectsHeaderStringIdsOutsideTheArena() {
        XCTAssertTrue(problem(edited { $0.exe_string = 1 << 20 }).contains("outside the string arena"))
        XCTAssertTrue(problem(edited { $0.cmdline_string = 12 }).contains("not 8-aligned"))
        // The arena's used bytes bound ids too: a record beyond strings_used cannot be valid.
        XCTAssertTrue(problem(edited { $0.strings_used = 8 }).contains("outside the string arena"))
    }

    func testRejectsFileSizeSmallerThanHeader() {
        XCTAssertTrue(problem(edited { $0.file_size = 100 }).contains("less than its 744-byte header"))
    }

    func testErrorDescriptionNamesFileAndProblem() {
        let error = TraceError(path: "/t/fdhound.1.trace", problem: "does not look like an fdhound trace")
        XCTAssertEqual(error.description, "/t/fdhound.1.trace: does not look like an fdhound trace")
    }

    func testNonRegularFileIsRejected() throws {
        let directory = try TemporaryDirectory.make("dir")
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertThrowsError(try TraceFile(path: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
    }
}
