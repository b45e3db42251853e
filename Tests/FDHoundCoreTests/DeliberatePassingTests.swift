// DeliberatePassing on hand-made event logs: which crossings of an exec were meant (close-on-exec cleared,
// a dup2 in the forked child, close-on-exec in the spawning parent, /dev/fd/N on the command line) and
// which stay leaks.
import XCTest
@testable import FDHoundCore

final class DeliberatePassingTests: XCTestCase {
    private func event(_ seq: UInt64, type: UInt8, api: UInt8 = 0, fd: Int32 = -1, fd2: Int32 = -1,
                       arg: UInt64 = 0) -> TraceEvent {
        TraceEvent(seq: seq, type: EventType(traceValue: type), api: api, kind: 0, owner: 0, fd: fd, fd2: fd2, result: 0, err: 0,
                   timeNs: 0, tid: 1, stack: 0, str1: 0, str2: 0, arg: arg)
    }

    func testTheNewProgramsCommandLineNamingTheDescriptor() {
        let diff = ["diff", "/dev/fd/63", "/dev/fd/62"]
        XCTAssertTrue(DeliberatePassing.namedOnCommandLine(fd: 63, arguments: diff))
        XCTAssertTrue(DeliberatePassing.namedOnCommandLine(fd: 62, arguments: diff))
        XCTAssertFalse(DeliberatePassing.namedOnCommandLine(fd: 6, arguments: diff), "/dev/fd/63 is not fd 6")
        XCTAssertTrue(DeliberatePassing.namedOnCommandLine(fd: 5, arguments: ["tool", "--input=/proc/self/fd/5"]))
        XCTAssertFalse(DeliberatePassing.namedOnCommandLine(fd: 5, arguments: ["/dev/fd/5"]), "argv[0] is the program")
        XCTAssertFalse(DeliberatePassing.namedOnCommandLine(fd: 5, arguments: []))
    }

    func testCloseOnExecClearedLastIsDeliberate() {
        let events = [event(0, type: 1, api: 13, fd: 3, fd2: 4, arg: 1 << 63), // pipe2(O_CLOEXEC)
                      event(1, type: 15, api: 17, fd: 4, arg: 0)]               // fcntl(4, F_SETFD, 0)
        XCTAssertEqual(DeliberatePassing.reason(fd: 4, events: events, forked: false, arguments: []), .closeOnExecCleared)
        XCTAssertNil(DeliberatePassing.reason(fd: 3, events: events, forked: false, arguments: []))
        // Closed and reopened without close-on-exec afterwards: the new descriptor is a leak again.
        let reopened = events + [event(2, type: 2, api: 18, fd: 4), event(3, type: 1, api: 1, fd: 4)]
        XCTAssertNil(DeliberatePassing.reason(fd: 4, events: reopened, forked: false, arguments: []))
    }

    func testDup2OntoANumberInAForkedChildIsDeliberate() {
        let dup2 = [event(0, type: 3, api: 15, fd: 7, fd2: 5)]
        XCTAssertEqual(DeliberatePassing.reason(fd: 5, events: dup2, forked: true, arguments: []), .placedInChild)
        XCTAssertNil(DeliberatePassing.reason(fd: 5, events: dup2, forked: false, arguments: []),
                     "a dup2 long before an exec in the same process says nothing")
        let dup = [event(0, type: 3, api: 14, fd: 7, fd2: 5)]
        XCTAssertNil(DeliberatePassing.reason(fd: 5, events: dup, forked: true, arguments: []), "dup takes the lowest number")
    }

    func testASpawnedProgramGivenWhatTheParentHeldCloseOnExec() {
        XCTAssertEqual(DeliberatePassing.reason(closeOnExecInParent: true, fd: 3, arguments: []), .madeInheritableForChild)
        XCTAssertNil(DeliberatePassing.reason(closeOnExecInParent: false, fd: 3, arguments: []))
        XCTAssertNil(DeliberatePassing.reason(closeOnExecInParent: nil, fd: 3, arguments: []))
        XCTAssertEqual(DeliberatePassing.reason(closeOnExecInParent: false, fd: 3, arguments: ["cat", "/dev/fd/3"]),
                       .namedOnCommandLine)
    }
}
