// The D-Bus connection table (section 10): optional, validated like the other sections, unusable slots
// skipped with a warning, and turned into "dbus" leak groups plus a per-process summary.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class DBusConnectionTableTests: XCTestCase {
    private let path = "/traces/fdhound.4242.trace"
    private static let entrySize = MemoryLayout<fdh_dbus_connection>.size

    /// A trace with `slots` in a D-Bus section. TraceBuilder only writes 8-byte unknown sections, so the
    /// section is reserved as one of those and its directory entry rewritten to the real stride.
    private func trace(_ slots: [fdh_dbus_connection], entrySize: Int = DBusConnectionTableTests.entrySize,
                       builder: TraceBuilder = TraceBuilder()) -> [UInt8] {
        let capacity = max(slots.count, 1)
        builder.unknownSections = [(type: FDH_SECTION_DBUS.rawValue, capacity: capacity * Self.entrySize / 8)]
        for fd in Int32(3)..<Int32(9) { builder.open(fd: fd, path: "/x") } // events_next = 6
        var bytes = builder.build()
        guard let offset = builder.sectionOffsets[FDH_SECTION_DBUS.rawValue] else { return bytes }
        let count = Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: TraceBuilder.headerOffset(\.section_count), as: UInt16.self) })
        for index in 0..<count {
            let at = TraceBuilder.sectionEntryOffset(index)
            var section = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: fdh_section.self) }
            guard section.type == FDH_SECTION_DBUS.rawValue else { continue }
            section.entry_size = UInt32(entrySize)
            section.capacity = UInt64(capacity)
            withUnsafeBytes(of: section) { bytes.replaceSubrange(at..<at + $0.count, with: $0) }
        }
        for (index, slot) in slots.enumerated() {
            let at = offset + index * Self.entrySize
            withUnsafeBytes(of: slot) { bytes.replaceSubrange(at..<at + $0.count, with: $0) }
        }
        return bytes
    }

    private func connection(_ pointer: UInt64, openSeq: UInt64, endSeq: UInt64 = 0, flags: fdh_dbus_flags...,
                            state: UInt32 = 2, fd: Int32 = -1, stack: UInt32 = 0) -> fdh_dbus_connection {
        var slot = fdh_dbus_connection()
        slot.connection = pointer
        slot.state = state
        slot.flags = flags.reduce(0) { $0 | $1.rawValue }
        slot.api = UInt8(FDH_API_DBUS_CONNECTION_OPEN_PRIVATE.rawValue)
        slot.fd = fd
        slot.refs = 1
        slot.stack = stack
        slot.open_seq = openSeq
        slot.end_seq = endSeq
        return slot
    }

    func testTraceWithoutTheSectionHasNoConnections() throws {
        let builder = TraceBuilder()
        builder.open(fd: 3, path: "/x")
        let file = try TraceFile(bytes: builder.build(), path: path)
        XCTAssertEqual(file.dbusConnections, [])
        XCTAssertNil(DBusAnalysis.summary(of: file))
    }

    func testPublishedSlotsAreReadAndUnusableOnesSkippedWithWarnings() throws {
        let bytes = trace([
            connection(0x1000, openSeq: 1, fd: 3),
            connection(0x2000, openSeq: 2, endSeq: 4, flags: FDH_DBUS_PRIVATE, FDH_DBUS_CLOSED, FDH_DBUS_ENDED),
            connection(0x3000, openSeq: 3, state: 0),  // claimed (CAS on the pointer), being filled: the shim's 0 → 2
            connection(0x3800, openSeq: 3, state: 7),                                // unknown state
            connection(0x4000, openSeq: 5, endSeq: 2, flags: FDH_DBUS_ENDED),        // ends before it opens
            connection(0x5000, openSeq: 99),                                         // beyond events_next
        ])
        let file = try TraceFile(bytes: bytes, path: path)
        XCTAssertEqual(file.dbusConnections.map(\.connection), [0x1000, 0x2000])
        XCTAssertEqual(file.dbusConnections.map(\.isOpen), [true, false])
        XCTAssertEqual(file.dbusConnections.first?.fd, 3)
        XCTAssertTrue(file.warnings.contains { $0.hasPrefix("1 D-Bus connection slots were being written") }, "\(file.warnings)")
        XCTAssertTrue(file.warnings.contains { $0.hasPrefix("3 D-Bus connection slots with an unknown state") }, "\(file.warnings)")

        let summary = try XCTUnwrap(DBusAnalysis.summary(of: file))
        XCTAssertEqual(summary.connectionsOpened, 2)
        XCTAssertEqual(summary.connectionsLeftOpen, 1)
        XCTAssertEqual(summary.peakSimultaneous, 2)
        XCTAssertEqual(summary.perUserLimit, 256)
        XCTAssertEqual(ReportWording.dbusSummary(summary),
                       "D-Bus: 2 connections opened, 1 left open; peak 2 of dbus-daemon's default 256 connections per user")
    }

    func testSectionWithEntriesSmallerThanTheStructIsRejected() {
        let bytes = trace([connection(0x1000, openSeq: 1)], entrySize: 40)
        XCTAssertThrowsError(try TraceFile(bytes: bytes, path: path)) { error in
            XCTAssertEqual((error as? TraceError)?.problem, "D-Bus connections section entry size 40 is smaller than 80")
        }
    }

    func testOpenConnectionsBecomeOneDBusLeakGroupPerStack() throws {
        let builder = TraceBuilder()
        builder.pid = 4242
        let stack = builder.stack([0x1010, 0x1020])
        let address = builder.intern("unix:path=/run/user/1000/bus")
        var slots = [fdh_dbus_connection]()
        for index in 0..<3 {
            var slot = connection(0x1000 + UInt64(index) * 0x100, openSeq: UInt64(index), flags: FDH_DBUS_PRIVATE,
                                  fd: Int32(10 + index), stack: stack)
            slot.address = address
            slots.append(slot)
        }
        let file = try TraceFile(bytes: trace(slots, builder: builder), path: path)
        let result = DBusAnalysis(traces: [file], symbolizer: NullSymbolizer(), maxFrames: 16).run()
        XCTAssertEqual(result.leaks.count, 1)
        XCTAssertEqual(result.leaks.first?.count, 3)
        XCTAssertEqual(result.leaks.first?.kind, "dbus")
        XCTAssertEqual(result.leaks.first?.api, "dbus_connection_open_private")
        XCTAssertEqual(result.leaks.first?.samples, ["unix:path=/run/user/1000/bus (fds 10, 11, 12)"])
        XCTAssertEqual(result.summaries[0]?.peakSimultaneous, 3)
        let merged = DBusAnalysis.merged([], with: result.leaks)
        XCTAssertEqual(merged.map(\.id), ["L1"])
    }
}
