// The Swift enums the reader decodes trace bytes into (event types, frame kinds, misuse kinds, header
// flags) keep the header's numbers: a renumbering in fdhound_trace.h fails here, not in a report.
import CFDHoundTrace
import XCTest
@testable import FDHoundCore

final class DecodedEnumsTests: XCTestCase {
    func testEventTypesAreTheHeadersNumbers() {
        let header: [(EventType, fdh_event_type)] = [
            (.open, FDH_EVENT_OPEN), (.close, FDH_EVENT_CLOSE), (.dup, FDH_EVENT_DUP), (.label, FDH_EVENT_LABEL),
            (.owner, FDH_EVENT_OWNER), (.inherited, FDH_EVENT_INHERITED), (.failed, FDH_EVENT_FAILED),
            (.exit, FDH_EVENT_EXIT), (.fork, FDH_EVENT_FORK), (.exec, FDH_EVENT_EXEC),
            (.dbusOpen, FDH_EVENT_DBUS_OPEN), (.dbusClose, FDH_EVENT_DBUS_CLOSE), (.misuse, FDH_EVENT_MISUSE),
            (.cloexec, FDH_EVENT_CLOEXEC), (.phaseBegin, FDH_EVENT_PHASE_BEGIN), (.phaseEnd, FDH_EVENT_PHASE_END),
        ]
        for (swift, c) in header { XCTAssertEqual(UInt32(swift.rawValue), c.rawValue, "\(swift)") }
        XCTAssertEqual(EventType.allCases.count, header.count + 1, "every case but .unknown is checked above")
        XCTAssertEqual(EventType(traceValue: 11), .unknown, "11 is unused")
        XCTAssertEqual(EventType(traceValue: UInt8(FDH_EVENT_ABANDONED.rawValue)), .unknown,
                       "a slot whose writer was jumped out of is skipped (TRACE-FORMAT.md, Publication)")
        XCTAssertEqual(EventType(traceValue: 200), .unknown, "a newer type is ignored, not misread")
        for value in UInt8.min...UInt8.max {  // the decoder's spelled-out switch agrees with the raw values
            XCTAssertEqual(EventType(traceValue: value), EventType(rawValue: value) ?? .unknown, "\(value)")
        }
    }

    func testFrameMisuseAndFlagValuesAreTheHeaders() {
        XCTAssertEqual(UInt32(FrameKind.returnAddress.rawValue), FDH_FRAME_RETURN_ADDRESS.rawValue)
        XCTAssertEqual(UInt32(FrameKind.exactPC.rawValue), FDH_FRAME_PC.rawValue)
        XCTAssertEqual(UInt32(FrameKind.python.rawValue), FDH_FRAME_PYTHON.rawValue)
        XCTAssertEqual(UInt32(FrameKind.nested.rawValue), FDH_FRAME_NESTED.rawValue)
        XCTAssertEqual(FrameKind(traceValue: 9), .exactPC, "an unknown kind is read as an exact address")
        XCTAssertEqual(UInt32(MisuseKind.closeNotOpen.rawValue), FDH_MISUSE_CLOSE_NOT_OPEN.rawValue)
        XCTAssertEqual(UInt32(MisuseKind.closeOwned.rawValue), FDH_MISUSE_CLOSE_OWNED.rawValue)
        let flags = HeaderFlags(rawValue: FDH_HEADER_FLAG_FORKED.rawValue | FDH_HEADER_FLAG_ATTACHED.rawValue)
        XCTAssertTrue(flags.contains(.forked))
        XCTAssertTrue(flags.contains(.attached))
        XCTAssertFalse(flags.contains(.detached))
    }
}
