// The leaks Python hides, on synthetic traces: closes classified from the shim's interpreter-state bits and
// from the native frames of the close stack (fake symbolizer), paired with their openings, grouped by
// opening code path; explicit closes never reported; the growth criterion on live-count sequences.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class ReclaimAnalysisTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory.make("reclaim")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Interpreter functions placed in the executable (a static CPython build).
    private enum Native {
        static let sockFinalize: UInt64 = 0x1600
        static let callFinalizerFromDealloc: UInt64 = 0x1610
        static let subtypeDealloc: UInt64 = 0x1620
        static let sockClose: UInt64 = 0x1630
        static let finalizeEx: UInt64 = 0x1640
        static let finalizeModules: UInt64 = 0x1650
    }

    private func symbolizer() -> FakeSymbolizer {
        let fake = LeakyProgram.symbolizer()
        fake.define("leaky", Native.sockFinalize, function: "sock_finalize", file: "socketmodule.c", line: 5092)
        fake.define("leaky", Native.callFinalizerFromDealloc, function: "PyObject_CallFinalizerFromDealloc")
        fake.define("leaky", Native.subtypeDealloc, function: "subtype_dealloc", file: "typeobject.c", line: 1373)
        fake.define("leaky", Native.sockClose, function: "sock_close", file: "socketmodule.c", line: 3193)
        fake.define("leaky", Native.finalizeEx, function: "Py_FinalizeEx")
        fake.define("leaky", Native.finalizeModules, function: "finalize_modules")
        return fake
    }

    /// A CPython process: 3 sockets finalized by refcounting, 2 collected (GC bit), 4 closed at shutdown
    /// (2 by the finalizing bit, 2 only recognizable by Py_FinalizeEx frames), 5 closed explicitly, and
    /// 6 files of a churn loop opened and closed explicitly.
    private func pythonProcess() -> LeakyProgram {
        let program = LeakyProgram()
        let b = program.builder
        b.flags |= FDH_HEADER_FLAG_PYTHON_FRAMES.rawValue
        let main = program.app(LeakyProgram.Address.main)
        let finalizer = b.stack([program.app(Native.sockFinalize), program.app(Native.callFinalizerFromDealloc),
                                 program.app(Native.subtypeDealloc), main])
        let explicit = b.stack([program.app(Native.sockClose), main])
        let shutdown = b.stack([program.app(Native.sockFinalize), program.app(Native.finalizeModules),
                                program.app(Native.finalizeEx), main])
        let fd: Int32 = 3
        var time: UInt64 = 1_000
        func socketOpened(_ close: UInt32, arg: UInt64 = 0) {
            b.open(fd: fd, kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, path: "0.0.0.0:0", stack: program.socketStack, timeNs: time)
            time += 1_000
            b.close(fd: fd, stack: close, timeNs: time, arg: arg)
            time += 1_000
        }
        for _ in 0..<3 { socketOpened(finalizer) }
        for _ in 0..<2 { socketOpened(finalizer, arg: 2) }
        for _ in 0..<5 { socketOpened(explicit) }
        for _ in 0..<6 {
            b.open(fd: fd, path: "/tmp/churn", stack: program.churnStack, timeNs: time)
            b.close(fd: fd, stack: explicit, timeNs: time + 1)
            time += 10
        }
        for _ in 0..<2 { socketOpened(explicit, arg: 1) }
        for _ in 0..<2 { socketOpened(shutdown) }
        b.exit(timeNs: time)
        _ = fd
        return program
    }

    private func report(_ program: LeakyProgram, symbolizer: FakeSymbolizer) throws -> Report {
        try program.builder.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = symbolizer
        return try ReportBuilder.build(tracePath: directory.path, options: options)
    }

    func testClassifiesFinalizerCollectorAndShutdownClosesWithOpeningStackAndExactCounts() throws {
        let report = try report(pythonProcess(), symbolizer: symbolizer())
        let byHow = Dictionary(grouping: report.reclaimed, by: \.how)
        XCTAssertEqual(report.reclaimed.count, 3, "\(report.reclaimed.map { "\($0.how) \($0.count)" })")
        XCTAssertEqual(byHow[.finalizer]?.first?.count, 3)
        XCTAssertEqual(byHow[.garbageCollector]?.first?.count, 2)
        XCTAssertEqual(byHow[.interpreterShutdown]?.first?.count, 4, "flagged and recognized by Py_FinalizeEx")
        for group in report.reclaimed {
            XCTAssertEqual(group.culprit.function, "leak_probe_sockets", "blamed on the opening code path")
            XCTAssertEqual(group.kind, "inet-socket")
            XCTAssertEqual(group.api, "socket")
        }
        XCTAssertEqual(report.reclaimed.map(\.id), ["R1", "R2", "R3"])
        XCTAssertEqual(report.reclaimed.first?.how, .interpreterShutdown, "most descriptors first")
        XCTAssertFalse(report.reclaimed.contains { $0.culprit.function == "churn_open_close" }, "explicit closes are never reported")
        XCTAssertTrue(report.leaks.isEmpty)
        XCTAssertTrue(summaryLine(report).contains("9 descriptors released by Python instead of closed"), summaryLine(report))
        let text = ReportRenderer.render(report, as: .text)
        XCTAssertTrue(text.contains("released by a finalizer, opened by socket in leak_probe_sockets at leak_thousand_files.c:31"), text)
        let markdown = ReportRenderer.render(report, as: .markdown)
        XCTAssertTrue(markdown.contains("### R2: 3 × inet-socket released by a finalizer"), markdown)
        let json = ReportRenderer.render(report, as: .json)
        XCTAssertTrue(json.contains("\"how\" : \"garbage-collector\""), json)
    }

    func testNativeProcessesAreNotClassified() throws {
        let program = pythonProcess()
        program.builder.flags &= ~FDH_HEADER_FLAG_PYTHON_FRAMES.rawValue
        let report = try report(program, symbolizer: symbolizer())
        XCTAssertTrue(report.reclaimed.isEmpty)
        XCTAssertTrue(report.growth.isEmpty)
    }

    func testClassifierWalksThroughTheStandardLibraryAndStopsAtTheProgram() {
        func native(_ name: String) -> Frame { Frame(function: name, module: "/usr/lib/libpython3.12.so", address: "0x1") }
        func python(_ name: String, _ file: String) -> Frame {
            Frame(function: name, file: file, line: 1, module: PythonFrames.module, address: "code#1+0")
        }
        let stdlibSocket = "/usr/lib/python3.12/socket.py"
        // asyncio's transport __del__ closing its socket: a finalizer, through stdlib frames.
        XCTAssertEqual(CloseClassifier.classify(flags: 0, stack: [
            native("sock_close"), python("socket._real_close", stdlibSocket),
            python("_SelectorTransport.__del__", "/usr/lib/python3.12/asyncio/selector_events.py"),
            native("slot_tp_finalize")]), .finalizer)
        // An explicit close by the program: its frame stops the walk before any dealloc further out.
        XCTAssertNil(CloseClassifier.classify(flags: 0, stack: [
            native("sock_close"), python("socket.close", stdlibSocket), python("handler", "/srv/app.py"),
            native("subtype_dealloc")]))
        // logging.shutdown in an atexit handler: explicit, although Py_FinalizeEx is further out.
        XCTAssertNil(CloseClassifier.classify(flags: 0, stack: [
            native("_io_FileIO_close"), python("FileHandler.close", "/usr/lib/python3.12/logging/__init__.py"),
            native("atexit_callfuncs"), native("Py_FinalizeEx")]))
        // Refcount finalizer inside gc.collect(): the collector.
        XCTAssertEqual(CloseClassifier.classify(flags: 0, stack: [
            native("sock_finalize"), native("finalize_garbage"), native("gc_collect_main"), python("main", "/srv/app.py")]),
                       .garbageCollector)
        XCTAssertEqual(CloseClassifier.classify(flags: 1, stack: []), .interpreterShutdown)
        XCTAssertEqual(CloseClassifier.classify(flags: 2, stack: []), .garbageCollector)
        XCTAssertNil(CloseClassifier.classify(flags: 0, stack: [native("os_close_impl"), python("main", "/srv/app.py")]))
    }

    func testGrowthCriterionNeedsARisingLowWaterMarkInEveryQuarter() {
        XCTAssertEqual(GrowthAnalysis.verdict([1, 1, 1, 1, 1, 1])?.lowWaterMarks, [1, 3, 4, 6], "a leak per request")
        XCTAssertEqual(GrowthAnalysis.verdict([1, 1, 1, 1, 1, 1])?.live, 6)
        XCTAssertNil(GrowthAnalysis.verdict([1, -1, 1, -1, 1, -1, 1, -1]), "churn")
        XCTAssertNil(GrowthAnalysis.verdict([1, 1, 1, 1, 1, 1, 1, 1, 1, -1, 1, -1, 1, -1, 1, -1]), "a pool that filled, then level")
        XCTAssertNil(GrowthAnalysis.verdict([1, 1, 1]), "too few events to tell")
        XCTAssertNotNil(GrowthAnalysis.verdict([1, 1, -1, 1, 1, -1, 1, 1, -1, 1, 1, -1]), "leaks one of every two")
    }

    func testGrowthReportsTheLeakingCodePathBeforeShutdownOnly() throws {
        let program = LeakyProgram()
        let b = program.builder
        b.flags |= FDH_HEADER_FLAG_PYTHON_FRAMES.rawValue
        for index in 0..<8 {
            b.open(fd: Int32(10 + index), kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, stack: program.socketStack,
                   timeNs: UInt64(index) * 100)
            b.open(fd: 3, path: "/tmp/churn", stack: program.churnStack, timeNs: UInt64(index) * 100 + 1)
            b.close(fd: 3, stack: program.churnStack, timeNs: UInt64(index) * 100 + 2)
        }
        for index in 0..<8 { b.close(fd: Int32(10 + index), timeNs: 10_000, arg: 1) } // shutdown: excluded
        b.exit(timeNs: 20_000)
        let report = try report(program, symbolizer: symbolizer())
        XCTAssertEqual(report.growth.count, 1, "\(report.growth.map(\.culprit))")
        let growth = try XCTUnwrap(report.growth.first)
        XCTAssertEqual(growth.id, "G1")
        XCTAssertEqual(growth.culprit.function, "leak_probe_sockets")
        XCTAssertEqual(growth.count, 8)
        XCTAssertEqual(growth.opened, 8)
        XCTAssertEqual(growth.closed, 0)
        XCTAssertEqual(growth.lowWaterMarks, [1, 3, 5, 7])
        XCTAssertTrue(ReportRenderer.render(report, as: .text).contains("G1  8 × inet-socket held and rising"))
    }
}
