// Traces are mapped, not read: a sparse file is read without touching its holes, and a file that shrinks
// under the reader costs a warning, never a SIGBUS.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TraceMappingTests: XCTestCase {
    private func builder(events: Int, opens: Int) -> TraceBuilder {
        var capacities = TraceBuilder.Capacities()
        capacities.events = events
        let b = TraceBuilder(pid: 4242, capacities: capacities)
        for fd in 0..<opens { b.open(fd: Int32(3 + fd % 60), path: "/x") ; b.close(fd: Int32(3 + fd % 60)) }
        return b
    }

    /// Writes `bytes` leaving every all-zero page a hole, as the shim's files are.
    private func writeSparse(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(ftruncate(fd, off_t(bytes.count)), 0)
        let page = 4096
        for start in stride(from: 0, to: bytes.count, by: page) {
            let end = min(start + page, bytes.count)
            guard bytes[start..<end].contains(where: { $0 != 0 }) else { continue }
            let written = bytes[start..<end].withUnsafeBytes { pwrite(fd, $0.baseAddress, end - start, off_t(start)) }
            XCTAssertEqual(written, end - start)
        }
    }

    func testSparseFileReadsLikeTheBytesItHolds() throws {
        let b = builder(events: 65_536, opens: 300)
        let bytes = b.build()
        let directory = try TemporaryDirectory.make("sparse")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fdhound.4242.trace").path
        try writeSparse(bytes, to: path)
        var status = stat()
        XCTAssertEqual(stat(path, &status), 0)
        XCTAssertLessThan(Int(status.st_blocks) * 512, bytes.count / 2, "the file is sparse")

        let mapped = try TraceFile(path: path)
        let memory = try TraceFile(bytes: bytes, path: "mem")
        XCTAssertEqual(mapped.events().events, memory.events().events)
        XCTAssertEqual(mapped.events().events.count, 600)
        XCTAssertEqual(mapped.liveDescriptors, memory.liveDescriptors)
        XCTAssertEqual(mapped.callSites, memory.callSites)
        XCTAssertEqual(mapped.executable, memory.executable)
        XCTAssertTrue(mapped.warnings.isEmpty, "\(mapped.warnings)")
    }

    func testFileShrinkingWhileMappedIsAWarningNotACrash() throws {
        let b = builder(events: 65_536, opens: 30_000)  // 60,000 events: ≈ 940 pages of the event log
        let directory = try TemporaryDirectory.make("shrink")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fdhound.4242.trace").path
        try Data(b.build()).write(to: URL(fileURLWithPath: path))
        let trace = try TraceFile(path: path)
        let eventsOffset = try XCTUnwrap(b.sectionOffsets[FDH_SECTION_EVENTS.rawValue])
        // Cut the file in the middle of the event log, after the reader mapped and validated it.
        XCTAssertEqual(truncate(path, off_t(eventsOffset + 1000 * 64)), 0)

        let scan = trace.forEachEvent { _ in }
        XCTAssertEqual(scan.count, 1000, "the events before the cut are read")
        XCTAssertGreaterThan(scan.unreadablePages, 0, "the pages past the cut are counted")
        XCTAssertEqual(scan.unpublished, 59_000, "and read as unwritten slots")
        let warnings = ProcessSummarizer.warnings(for: trace).joined(separator: "\n")
        XCTAssertTrue(warnings.contains("pages of the trace could not be read and read as empty (the file shrank"), warnings)
    }
}

/// `report --pid`, `live` and `snapshot` copy a running trace (RunningTraceCopy): only its data, with event
/// slots checked like the seqlock reader checks them.
final class RunningTraceCopyTests: XCTestCase {
    func testCopyOfAWrappedSparseTraceReadsLikeTheFileAndSnapshotsStaySparse() throws {
        var capacities = TraceBuilder.Capacities()
        capacities.events = 4096
        let b = TraceBuilder(pid: 99, capacities: capacities)
        for i in 0..<10_000 { b.open(fd: Int32(3 + i % 50), path: "/x"); b.close(fd: Int32(3 + i % 50)) }
        b.open(fd: 7, path: "/kept")
        var bytes = b.build()
        // A writer owns one slot of the window: the copy must not hand it out.
        let busy = (b.sectionOffsets[FDH_SECTION_EVENTS.rawValue] ?? 0) + (20_000 % 4096) * MemoryLayout<fdh_event>.size
        withUnsafeBytes(of: FDH_EVENT_BUSY.rawValue.littleEndian) { for i in 0..<4 { bytes[busy + i] = $0[i] } }
        let directory = try TemporaryDirectory.make("copy")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("fdhound.99.trace").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        XCTAssertEqual(ftruncate(fd, off_t(bytes.count)), 0)
        for start in stride(from: 0, to: bytes.count, by: 4096) where bytes[start..<min(start + 4096, bytes.count)].contains(where: { $0 != 0 }) {
            let end = min(start + 4096, bytes.count)
            _ = bytes[start..<end].withUnsafeBytes { pwrite(fd, $0.baseAddress, end - start, off_t(start)) }
        }

        let mapped = try TraceFile(path: path)
        let copied = try RunningTraceCopy.load(path: path)
        let events = copied.events()
        XCTAssertEqual(events.events, mapped.events().events)
        XCTAssertEqual(events.events.count, 4095)
        XCTAssertEqual(events.unpublished, 1, "the BUSY slot")
        XCTAssertEqual(copied.liveDescriptors, mapped.liveDescriptors)
        XCTAssertEqual(copied.callSites, mapped.callSites)

        let snapshot = directory.appendingPathComponent("snapshot.trace").path
        try RunningTraceCopy.write(copied, to: snapshot)
        var original = stat(), written = stat()
        XCTAssertEqual(stat(path, &original), 0)
        XCTAssertEqual(stat(snapshot, &written), 0)
        XCTAssertEqual(written.st_size, original.st_size)
        XCTAssertLessThanOrEqual(written.st_blocks, original.st_blocks, "holes stay holes")
        XCTAssertEqual(try TraceFile(path: snapshot).events().events, events.events)
    }
}
