// Finding a process's trace in the text of its /proc/PID/maps: only a shared mapping of a file named like a
// trace counts; with several (attached, detached, attached again) the newest; a deleted file is flagged.
@testable import FDHoundCore
import XCTest

final class ProcessTraceLocatorTests: XCTestCase {
    func testTheSharedTraceMappingIsFound() {
        let maps = """
            55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1234   /usr/bin/server
            7f0000000000-7f0002000000 rw-s 00000000 08:01 99     /tmp/t/fdhound.42.trace
            7f1000000000-7f1000001000 r--p 00000000 08:01 77     /tmp/t/fdhound.notes.trace
            7f2000000000-7f2000001000 rw-p 00000000 08:01 78     /tmp/t/fdhound.43.trace
            """
        let found = ProcessTraceLocator.traceMapping(in: maps)
        XCTAssertEqual(found?.path, "/tmp/t/fdhound.42.trace")
        XCTAssertEqual(found?.range, "7f0000000000-7f0002000000")
        XCTAssertEqual(found?.deleted, false)
    }

    func testTheNewestGenerationWinsAndDeletionIsSeen() {
        let maps = """
            7f0000000000-7f0002000000 rw-s 00000000 08:01 99     /tmp/a dir/fdhound.42.trace
            7f3000000000-7f3002000000 rw-s 00000000 08:01 98     /tmp/a dir/fdhound.42.2.trace (deleted)
            7f4000000000-7f4002000000 rw-s 00000000 08:01 97     /tmp/a dir/fdhound.42.1.trace
            """
        let found = ProcessTraceLocator.traceMapping(in: maps)
        XCTAssertEqual(found?.path, "/tmp/a dir/fdhound.42.2.trace")
        XCTAssertEqual(found?.deleted, true)
    }

    func testNothingTracedIsNil() {
        XCTAssertNil(ProcessTraceLocator.traceMapping(in: "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1234 /usr/bin/server\n"))
        XCTAssertFalse(ProcessTraceLocator.isTraceName("fdhound..trace"))
        XCTAssertTrue(ProcessTraceLocator.isTraceName("fdhound.7.3.trace"))
    }
}
