// `live` leaves out the shim's parked libunwind pipe only when every sign agrees: both ends of one pipe at
// the two highest numbers under the soft limit, close-on-exec, not open in the program's live table, and
// the pipe not given up (UNWINDER_YIELDED).
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TracerDescriptorsTests: XCTestCase {
    private func trace(openFDs: [Int32] = [], yielded: Bool = false) throws -> TraceFile {
        var capacities = TraceBuilder.Capacities()
        capacities.liveFDs = 1024 // descriptors up to the soft limit
        let b = TraceBuilder(capacities: capacities)
        if yielded { b.flags |= FDH_HEADER_FLAG_UNWINDER_YIELDED.rawValue }
        for fd in openFDs { b.open(fd: fd, kind: FDH_KIND_PIPE, api: FDH_API_PIPE2) }
        return try TraceFile(bytes: b.build(), path: "mem")
    }

    private let targets = [0: "/dev/pts/0", 3: "pipe:[9]", 1022: "pipe:[7]", 1023: "pipe:[7]"]

    private func parked(_ targets: [Int: String], soft: Int? = 1024, cloexec: @escaping (Int) -> Bool = { _ in true },
                        trace: TraceFile) -> Set<Int> {
        TracerDescriptors.parkedPipe(targets: targets, softLimit: soft, closeOnExec: cloexec, trace: trace)
    }

    func testTheParkedPairIsRecognised() throws {
        XCTAssertEqual(parked(targets, trace: try trace()), [1022, 1023])
        XCTAssertEqual(parked([1_048_574: "pipe:[7]", 1_048_575: "pipe:[7]"], soft: nil, trace: try trace()),
                       [1_048_574, 1_048_575], "unlimited: parked under 2^20")
    }

    func testAnythingThatDisagreesHidesNothing() throws {
        let plain = try trace()
        XCTAssertEqual(parked(targets, cloexec: { $0 != 1023 }, trace: plain), [], "not close-on-exec")
        XCTAssertEqual(parked(targets, trace: try trace(openFDs: [1022])), [], "the program's own (the trace has it open)")
        XCTAssertEqual(parked(targets, trace: try trace(yielded: true)), [], "the shim gave the pipe up")
        XCTAssertEqual(parked(targets, soft: 2048, trace: plain), [], "not at the top of the current limit")
        XCTAssertEqual(parked([1022: "pipe:[7]", 1023: "pipe:[8]"], trace: plain), [], "two different pipes")
        XCTAssertEqual(parked([14: "pipe:[7]", 15: "pipe:[7]"], soft: 16 - 1, trace: plain), [], "no parking below 16")
    }
}
