// `live` leaves out the shim's parked libunwind pipe only when every sign agrees: one pipe, both ends at
// the top of the range under the soft limit, close-on-exec, and not open in the program's live table.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TracerDescriptorsTests: XCTestCase {
    private func trace(openFDs: [Int32] = []) throws -> TraceFile {
        var capacities = TraceBuilder.Capacities()
        capacities.liveFDs = 1024 // descriptors up to the soft limit
        let b = TraceBuilder(capacities: capacities)
        b.rlimitSoft = 1024
        for fd in openFDs { b.open(fd: fd, kind: FDH_KIND_PIPE, api: FDH_API_PIPE2) }
        return try TraceFile(bytes: b.build(), path: "mem")
    }

    private let targets = [0: "/dev/pts/0", 3: "pipe:[9]", 1016: "pipe:[7]", 1017: "pipe:[7]"]

    func testTheParkedPairIsRecognised() throws {
        XCTAssertEqual(TracerDescriptors.parkedPipe(targets: targets, closeOnExec: { _ in true }, trace: try trace()),
                       [1016, 1017])
    }

    func testAnythingThatDisagreesHidesNothing() throws {
        let plain = try trace()
        XCTAssertEqual(TracerDescriptors.parkedPipe(targets: targets, closeOnExec: { $0 != 1017 }, trace: plain), [],
                       "not close-on-exec")
        XCTAssertEqual(TracerDescriptors.parkedPipe(targets: targets, closeOnExec: { _ in true },
                                                    trace: try trace(openFDs: [1016])), [],
                       "the program's own (the trace has it open)")
        var twoPairs = targets
        twoPairs[1018] = "pipe:[8]"; twoPairs[1019] = "pipe:[8]"
        XCTAssertEqual(TracerDescriptors.parkedPipe(targets: twoPairs, closeOnExec: { _ in true }, trace: plain), [],
                       "ambiguous")
        let low = [100: "pipe:[7]", 101: "pipe:[7]"]
        XCTAssertEqual(TracerDescriptors.parkedPipe(targets: low, closeOnExec: { _ in true }, trace: plain), [],
                       "below the parking range")
    }
}
