// The leak pass: exact counts per opening stack, inherited/stdio kept apart, ranking, merging across
// processes, the culprit frame outside libc, and one symbolizer batch per report.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class LeakAnalysisTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory.make("analysis")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func report(_ programs: [LeakyProgram], symbolizer: Symbolizer? = nil, maxFrames: Int = 16) throws -> Report {
        for program in programs { try program.builder.write(into: directory) }
        var options = ReportOptions()
        options.symbolizer = symbolizer ?? LeakyProgram.symbolizer()
        options.maxFrames = maxFrames
        return try ReportBuilder.build(tracePath: directory.path, options: options)
    }

    func testGroupsByOpeningStackWithExactCounts() throws {
        let report = try report([.thousandFiles()])
        XCTAssertEqual(report.leaks.count, 2, "\(report.leaks.map(\.culprit))")
        let files = report.leaks[0]
        XCTAssertEqual(files.id, "L1")
        XCTAssertEqual(files.count, 1000)
        XCTAssertEqual(files.kind, "file")
        XCTAssertEqual(files.api, "fopen")
        XCTAssertEqual(files.owner, "FILE*")
        XCTAssertEqual(files.culprit.function, "leak_cache_files", "libc frames are skipped")
        XCTAssertEqual(files.culprit.line, 24)
        XCTAssertEqual(files.culprit.address, "0x1234")
        XCTAssertEqual(files.culprit.module, LeakyProgram.executable)
        XCTAssertEqual(files.stack.map(\.function), ["__libc_open64", "_IO_new_fopen", "leak_cache_files", "main",
                                                     "__libc_start_call_main"])
        XCTAssertEqual(files.openedAtSite, 1000)
        XCTAssertEqual(files.closedAtSite, 0)
        XCTAssertEqual(files.pids, [4242])
        XCTAssertEqual(files.firstSeenSeconds, 0.002, accuracy: 1e-9)
        XCTAssertEqual(files.lastSeenSeconds, 0.01199, accuracy: 1e-9)
        XCTAssertEqual(files.samples, ["/etc/hostname (fds 3, 4, 5, 6, 7 and 995 more)"])

        let sockets = report.leaks[1]
        XCTAssertEqual(sockets.id, "L2")
        XCTAssertEqual(sockets.count, 100)
        XCTAssertEqual(sockets.kind, "inet-socket")
        XCTAssertEqual(sockets.api, "socket")
        XCTAssertEqual(sockets.owner, "fd")
        XCTAssertEqual(sockets.culprit.function, "leak_probe_sockets")
        XCTAssertFalse(report.leaks.flatMap(\.stack).contains { $0.function == "churn_open_close" })

        XCTAssertEqual(report.processes.count, 1)
        let process = report.processes[0]
        XCTAssertEqual(process.pid, 4242)
        XCTAssertEqual(process.state, "exited")
        XCTAssertEqual(process.leaked, 1100)
        XCTAssertEqual(process.openAtEnd, 1103)
        XCTAssertEqual(process.argv, [LeakyProgram.executable, "--serve"])
        XCTAssertEqual(process.rlimitSoft, 1024)
        XCTAssertEqual(process.durationSeconds, 0.03)
    }

    func testOneSymbolizerBatchWithOnlyTheStacksThatMatter() throws {
        let fake = LeakyProgram.symbolizer()
        _ = try report([.thousandFiles()], symbolizer: fake)
        XCTAssertEqual(fake.batches.count, 1)
        let asked = Set(fake.batches[0].map(\.address))
        XCTAssertTrue(asked.contains(LeakyProgram.Address.leakCacheFiles))
        XCTAssertFalse(asked.contains(LeakyProgram.Address.churn), "closed-only stacks are not symbolized")
        XCTAssertEqual(fake.batches[0].count, Set(fake.batches[0]).count, "no duplicate requests")
        let exe = fake.batches[0].first { $0.modulePath == LeakyProgram.executable }
        XCTAssertEqual(exe?.buildID, "abcd01")
    }

    func testInheritedAndStdioAreNeverLeaks() throws {
        let program = LeakyProgram()
        let b = program.builder
        b.inherited(fd: 0, kind: FDH_KIND_PTY, description: "/dev/pts/0")
        b.inherited(fd: 2, kind: FDH_KIND_PTY, description: "/dev/pts/0")
        b.inherited(fd: 9, kind: FDH_KIND_PIPE, description: "pipe:[1234]")
        b.open(fd: 1, path: "/dev/null", stack: program.fopenStack)  // stdout reopened by the program
        let report = try report([program])
        XCTAssertEqual(report.leaks, [])
        XCTAssertEqual(report.inherited.map(\.fd), [0, 1, 2, 9])
        XCTAssertEqual(report.inherited.map(\.reason), ["inherited", "stdio", "inherited", "inherited"])
        XCTAssertEqual(report.inherited[3].description, "pipe:[1234]")
        XCTAssertEqual(report.inherited[3].kind, "pipe")
        XCTAssertEqual(report.inherited[1].stack.first { $0.function != nil }?.function, "__libc_open64")
        XCTAssertEqual(report.processes[0].leaked, 0)
        XCTAssertEqual(report.processes[0].openAtEnd, 4)
    }

    func testRankingByCountThenEarliestFirstSeen() throws {
        let program = LeakyProgram()
        let b = program.builder
        for i in 0..<3 { b.open(fd: Int32(10 + i), path: "/late", stack: program.socketStack, timeNs: 900 + UInt64(i)) }
        for i in 0..<3 { b.open(fd: Int32(20 + i), path: "/early", stack: program.churnStack, timeNs: 100 + UInt64(i)) }
        for i in 0..<5 { b.open(fd: Int32(30 + i), path: "/many", stack: program.fopenStack, timeNs: 5000 + UInt64(i)) }
        let report = try report([program])
        XCTAssertEqual(report.leaks.map(\.count), [5, 3, 3])
        XCTAssertEqual(report.leaks.map { $0.culprit.function }, ["leak_cache_files", "churn_open_close", "leak_probe_sockets"])
        XCTAssertEqual(report.leaks.map(\.id), ["L1", "L2", "L3"])
    }

    func testIdenticalStacksMergeAcrossProcessesDespiteASLR() throws {
        let first = LeakyProgram(pid: 100, executableBias: 0x5555_0000_0000)
        let second = LeakyProgram(pid: 200, executableBias: 0x5600_1230_0000)
        for (program, count) in [(first, 3), (second, 4)] {
            for i in 0..<count {
                program.builder.open(fd: Int32(3 + i), path: "/etc/hostname", stack: program.fopenStack, timeNs: UInt64(i))
            }
            program.builder.open(fd: 50, kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, stack: program.socketStack)
        }
        let report = try report([first, second])
        XCTAssertEqual(report.leaks.count, 2)
        XCTAssertEqual(report.leaks[0].count, 7)
        XCTAssertEqual(report.leaks[0].pids, [100, 200])
        XCTAssertEqual(report.leaks[0].openedAtSite, 7, "call sites of both processes are summed")
        XCTAssertEqual(report.leaks[0].samples, ["/etc/hostname (pid 100 fd 3, pid 200 fd 3, pid 100 fd 4, pid 200 fd 4, pid 100 fd 5 and 2 more)"])
        XCTAssertEqual(report.leaks[1].count, 2)
        XCTAssertEqual(report.leaks[1].pids, [100, 200])
        XCTAssertEqual(report.processes.map(\.pid), [100, 200])
    }

    func testDifferentStacksAreNotMerged() throws {
        let program = LeakyProgram()
        let b = program.builder
        // Same function, different caller chain (called from a different line of main).
        let other = b.stack([program.inLibc(LeakyProgram.Address.libcOpen), program.inLibc(LeakyProgram.Address.libcFopen),
                             program.app(LeakyProgram.Address.leakCacheFiles), program.app(0x1310)])
        b.open(fd: 3, stack: program.fopenStack)
        b.open(fd: 4, stack: other)
        let report = try report([program])
        XCTAssertEqual(report.leaks.map(\.count), [1, 1])
        XCTAssertEqual(Set(report.leaks.map { $0.culprit.function }), ["leak_cache_files"])
    }

    func testCulpritWithoutSymbolsIsFirstFrameOutsideSystemModules() throws {
        let report = try report([.thousandFiles()], symbolizer: NullSymbolizer())
        let files = report.leaks[0]
        XCTAssertNil(files.culprit.function)
        XCTAssertEqual(files.culprit.module, LeakyProgram.executable)
        XCTAssertEqual(files.culprit.address, "0x1234")
        XCTAssertEqual(files.stack[0].module, LeakyProgram.libc)
        XCTAssertEqual(files.stack[0].address, "0x100000", "ip − 1 − load bias")
    }

    func testCulpritSelectorRules() {
        let libc = Frame(function: "__open", module: "/lib/libc.so.6", address: "0x1")
        let shim = Frame(function: "open", module: "/x/libfdhound.so", address: "0x2")
        let loader = Frame(function: "_dl_map", module: "/lib64/ld-linux-x86-64.so.2", address: "0x3")
        let unnamed = Frame(module: "/app/bin", address: "0x4")
        let app = Frame(function: "load_config", module: "/app/bin", address: "0x5")
        XCTAssertEqual(CulpritSelector.culprit(in: [libc, shim, loader, unnamed, app]), app)
        XCTAssertEqual(CulpritSelector.culprit(in: [libc, unnamed]), unnamed)
        XCTAssertEqual(CulpritSelector.culprit(in: [libc, shim]), libc, "all system: the innermost frame")
        XCTAssertNil(CulpritSelector.culprit(in: []))
    }

    func testMaxFramesTruncatesTheStackButNotTheCulprit() throws {
        let report = try report([.thousandFiles()], maxFrames: 1)
        XCTAssertEqual(report.leaks[0].stack.map(\.function), ["__libc_open64"])
        XCTAssertEqual(report.leaks[0].culprit.function, "leak_cache_files")
    }

    func testInlinedFramesAreExpandedInnermostFirst() throws {
        let fake = LeakyProgram.symbolizer()
        fake.define("leaky", LeakyProgram.Address.leakProbeSockets, [
            SymbolizedFrame(function: "make_socket", file: "/src/net.h", line: 7, column: 12),
            SymbolizedFrame(function: "leak_probe_sockets", file: "/src/leak.c", line: 31, column: 3),
        ])
        let program = LeakyProgram()
        program.builder.open(fd: 3, kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, stack: program.socketStack)
        let report = try report([program], symbolizer: fake)
        let stack = report.leaks[0].stack
        XCTAssertEqual(stack.map(\.function), ["make_socket", "leak_probe_sockets", "main", "__libc_start_call_main"])
        XCTAssertEqual(stack.map(\.inlined), [true, false, false, false])
        XCTAssertEqual(stack[0].address, stack[1].address)
        XCTAssertEqual(report.leaks[0].culprit.function, "make_socket")
    }

    func testMixedKindsUseTheMostCommonAndSocketsShowEndpoints() throws {
        let program = LeakyProgram()
        let b = program.builder
        let stack = program.socketStack
        b.open(fd: 3, kind: FDH_KIND_SOCKET_INET, api: FDH_API_ACCEPT, path: "10.0.0.1:80", peer: "10.0.0.9:5000", stack: stack)
        b.open(fd: 4, kind: FDH_KIND_SOCKET_INET, api: FDH_API_ACCEPT, path: "10.0.0.1:80", peer: "10.0.0.7:5001", stack: stack)
        b.open(fd: 5, kind: FDH_KIND_SOCKET_INET6, api: FDH_API_ACCEPT4, stack: stack)
        let leak = try report([program]).leaks[0]
        XCTAssertEqual(leak.kind, "inet-socket")
        XCTAssertEqual(leak.api, "accept")
        XCTAssertEqual(leak.samples, ["10.0.0.1:80 -> 10.0.0.9:5000 (fd 3)", "10.0.0.1:80 -> 10.0.0.7:5001 (fd 4)",
                                      "inet6-socket (fd 5)"])
    }

    func testDescriptorsWithoutStackFormOneGroup() throws {
        let b = TraceBuilder()
        b.open(fd: 3, path: "/a")
        b.open(fd: 4, path: "/b")
        try b.write(into: directory)
        var options = ReportOptions()
        options.symbolizer = NullSymbolizer()
        let report = try ReportBuilder.build(tracePath: directory.path, options: options)
        XCTAssertEqual(report.leaks.count, 1)
        XCTAssertEqual(report.leaks[0].count, 2)
        XCTAssertEqual(report.leaks[0].stack, [])
        XCTAssertEqual(report.leaks[0].culprit.module, "[no stack recorded]")
        XCTAssertNil(report.leaks[0].openedAtSite)
    }

    func testWarningsForKilledProcessDroppedRecordsAndEMFILE() throws {
        let program = LeakyProgram()
        let b = program.builder
        b.state = FDH_STATE_RUNNING.rawValue
        b.extraLiveDropped = 3
        b.extraStacksDropped = 2
        b.failed(api: FDH_API_OPEN, err: EMFILE, path: "/x")
        b.failed(api: FDH_API_SOCKET, err: EMFILE)
        b.failed(api: FDH_API_OPEN, err: ENOENT, path: "/missing")
        let report = try report([program])
        let all = report.warnings.joined(separator: "\n")
        XCTAssertTrue(all.contains("process 4242 (\(LeakyProgram.executable)) did not exit normally (killed or still running)"), all)
        XCTAssertTrue(all.contains("3 descriptors above the live table's capacity"), all)
        XCTAssertTrue(all.contains("2 stacks not stored"), all)
        XCTAssertTrue(all.contains("2 calls failed with \"too many open files\" (RLIMIT_NOFILE soft limit 1024)"), all)
        XCTAssertEqual(report.processes[0].state, "running-or-killed")
        XCTAssertNil(report.processes[0].durationSeconds)
        XCTAssertEqual(report.processes[0].dropped.liveDescriptors, 3)
    }

    func testMissingSymbolizerDegradesWithAWarning() throws {
        setenv("FDHOUND_SYMBOLIZER", "/nonexistent/llvm-symbolizer", 1)
        defer { unsetenv("FDHOUND_SYMBOLIZER") }
        try LeakyProgram.thousandFiles().builder.write(into: directory)
        let report = try ReportBuilder.build(tracePath: directory.path, options: ReportOptions())
        XCTAssertTrue(report.warnings.contains("llvm-symbolizer not found; showing module+offset"), "\(report.warnings)")
        XCTAssertEqual(report.leaks[0].count, 1000)
        XCTAssertEqual(report.leaks[0].culprit.address, "0x1234")
    }

    func testKindAndAPINamesCoverTheHeaderEnums() {
        XCTAssertTrue(descriptorKindCountMatchesHeader)
        XCTAssertTrue(openingAPICountMatchesHeader, "an fdh_api value has no name in OpeningAPI.swift")
        XCTAssertEqual(DescriptorKind(traceValue: UInt8(FDH_KIND_SOCKET_UNIX.rawValue)).name, "unix-socket")
        XCTAssertEqual(DescriptorKind(traceValue: UInt8(FDH_KIND_DBUS.rawValue)).name, "dbus")
        XCTAssertEqual(DescriptorKind(traceValue: 200).name, "unknown")
        XCTAssertEqual(OpeningAPI.name(UInt8(FDH_API_CREAT64.rawValue)), "creat64")
        XCTAssertEqual(OpeningAPI.name(UInt8(FDH_API_PIPE2.rawValue)), "pipe2")
        XCTAssertEqual(OpeningAPI.name(250), "unknown")
        XCTAssertEqual(DescriptorOwner.name(UInt8(FDH_OWNER_DIR.rawValue)), "DIR*")
    }
}

extension LeakAnalysisTests {
    /// -O1 unrolls `for (i < 3) open(...)` into three call instructions on one source line: one code path.
    func testCallsDuplicatedByTheCompilerOnOneLineAreOneGroup() throws {
        let fake = LeakyProgram.symbolizer()
        for address: UInt64 in [0x11d1, 0x11e3, 0x11f5] {
            fake.define("leaky", address, function: "leak_file_via_open", file: "/src/leak_each_kind.c", line: 14)
        }
        let program = LeakyProgram()
        let b = program.builder
        for (index, address) in [UInt64(0x11d1), 0x11e3, 0x11f5].enumerated() {
            let stack = b.stack([program.app(address), program.app(LeakyProgram.Address.main)])
            b.open(fd: Int32(3 + index), path: "/etc/hostname", stack: stack, timeNs: UInt64(index))
        }
        // Unsymbolized frames keep comparing by address: two different unknown call sites stay apart.
        b.open(fd: 10, stack: b.stack([program.app(0x7000)]))
        b.open(fd: 11, stack: b.stack([program.app(0x7100)]))
        let report = try report([program], symbolizer: fake)
        XCTAssertEqual(report.leaks.map(\.count), [3, 1, 1])
        XCTAssertEqual(report.leaks[0].culprit.function, "leak_file_via_open")
        XCTAssertEqual(report.leaks[0].openedAtSite, 3, "each call site counted once")
        XCTAssertEqual(report.leaks[0].culprit.address, "0x11d1", "the first-seen call represents the group")
    }
}
