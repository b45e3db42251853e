// A full disk is named as the cause of dropped records, not the event log or the live table (header flag
// DISK_FULL); a full table is still named when the counters prove it filled.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class DiskFullWordingTests: XCTestCase {
    /// Version 1 by default: its log refused events once full, which is what the event wording below pins;
    /// a version-2 log is a ring (testARingLogBlamesTheDiskOrABusySlot).
    private func warnings(version: UInt32 = 1, _ configure: (TraceBuilder) -> Void) throws -> String {
        try summarizerWarnings(pid: 77) { b in
            b.version = version
            configure(b)
        }
    }

    func testAFullDiskIsBlamedInsteadOfTheTables() throws {
        let all = try warnings { b in
            b.flags |= FDH_HEADER_FLAG_DISK_FULL.rawValue
            b.rlimitHard = UInt64(b.capacities.liveFDs) // no descriptor can lie above the table
            b.extraLiveDropped = 3
            b.extraStringsDropped = 2
            b.editHeader = { $0.events_dropped = 40 } // the log (512 slots) is far from full
        }
        XCTAssertTrue(all.contains("the disk filled up while it ran"), all)
        XCTAssertTrue(all.contains("40 events not stored because the disk was full"), all)
        XCTAssertTrue(all.contains("3 descriptors were not tracked because the disk was full"), all)
        XCTAssertTrue(all.contains("2 strings not stored because the disk was full"), all)
        XCTAssertFalse(all.contains("event log full"), all)
        XCTAssertFalse(all.contains("live table's capacity"), all)
        XCTAssertFalse(all.contains("arena full"), all)
    }

    func testAFullDiskAndAFullLogAreToldApart() throws {
        let all = try warnings { b in
            b.flags |= FDH_HEADER_FLAG_DISK_FULL.rawValue
            b.rlimitHard = UInt64.max // unlimited: a descriptor may lie above the table
            b.extraLiveDropped = 1
            let capacity = UInt64(b.capacities.events)
            b.editHeader = { $0.events_next = capacity + 10; $0.events_dropped = 25 }
        }
        XCTAssertTrue(all.contains("15 events not stored because the disk was full"), all)
        XCTAssertTrue(all.contains("10 events not stored (event log full"), all)
        XCTAssertTrue(all.contains("1 descriptors were not tracked: the disk was full, or they were numbered at or above"), all)
    }

    func testWithoutTheFlagTheTablesAreNamedAsBefore() throws {
        let all = try warnings { b in
            b.extraLiveDropped = 3
            b.editHeader = { $0.events_dropped = 5 }
        }
        XCTAssertFalse(all.contains("disk"), all)
        XCTAssertTrue(all.contains("5 events not stored (event log full"), all)
        XCTAssertTrue(all.contains("3 descriptors above the live table's capacity"), all)
    }

    func testARingLogBlamesTheDiskOrABusySlot() throws {
        let full = try warnings(version: 2) { b in
            b.flags |= FDH_HEADER_FLAG_DISK_FULL.rawValue
            b.editHeader = { $0.events_dropped = 40 }
        }
        XCTAssertTrue(full.contains("40 events not stored: the disk was full, or their slot in the event log was still being written"), full)
        XCTAssertFalse(full.contains("event log full"), full)
        let busy = try warnings(version: 2) { b in b.editHeader = { $0.events_dropped = 5 } }
        XCTAssertTrue(busy.contains("5 events not stored: their slot in the event log was still being written by another thread"), busy)
        XCTAssertFalse(busy.contains("disk"), busy)
    }
}
