// The reader reads back every field a valid trace holds, honours the writer's stride and skips section
// types it does not know.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class TraceFileReadTests: XCTestCase {
    private func makeRichTrace() -> (TraceBuilder, stack: UInt32) {
        let b = TraceBuilder(pid: 777, executable: "/usr/bin/server", arguments: ["/usr/bin/server", "--port", "5020"])
        b.ppid = 7
        b.startRealtimeNs = 1_700_000_123_000_000_000
        b.rlimitSoft = 4096
        b.rlimitHard = UInt64.max
        b.stackDepth = 48
        b.shimModule = 1
        b.addModule(path: "/usr/bin/server", loadBias: 0x4000, textStart: 0x5000, textEnd: 0x9000,
                    buildID: [0xde, 0xad, 0x00, 0x0f])
        b.addModule(path: "/opt/lib/libfdhound.so", loadBias: 0x7000_0000, textStart: 0x7000_1000, textEnd: 0x7000_2000)
        let stack = b.stack([0x5100, 0x5200, 0x5300])
        b.inherited(fd: 0, kind: FDH_KIND_PTY, description: "/dev/pts/3")
        b.open(fd: 5, kind: FDH_KIND_SOCKET_INET6, api: FDH_API_ACCEPT4, path: "[::1]:5020", peer: "[::1]:41000",
               stack: stack, timeNs: 1_500_000, tid: 778, cloexec: true)
        b.open(fd: 6, fd2: 7, kind: FDH_KIND_PIPE, api: FDH_API_PIPE2, stack: stack, timeNs: 1_600_000)
        b.close(fd: 6, timeNs: 1_700_000)
        b.failed(api: FDH_API_OPEN, err: EMFILE, path: "/tmp/x", stack: stack, timeNs: 1_800_000)
        b.exit(timeNs: 2_000_000)
        return (b, stack)
    }

    func testReadsBackEveryField() throws {
        let (builder, stack) = makeRichTrace()
        let trace = try TraceFile(bytes: builder.build(), path: "mem")
        let h = trace.header
        XCTAssertEqual(h.version, FDH_FORMAT_VERSION)
        XCTAssertEqual(h.headerSize, 744)
        XCTAssertEqual(h.pid, 777)
        XCTAssertEqual(h.ppid, 7)
        XCTAssertEqual(h.startRealtimeNs, 1_700_000_123_000_000_000)
        XCTAssertEqual(h.endMonotonicNs, 2_000_000)
        XCTAssertEqual(h.rlimitSoft, 4096)
        XCTAssertEqual(h.rlimitHard, UInt64.max)
        XCTAssertEqual(h.processState, .exited)
        XCTAssertEqual(h.stackDepth, 48)
        XCTAssertEqual(h.shimModule, 1)
        XCTAssertEqual(h.eventsNext, 6)
        XCTAssertEqual(h.eventsDropped, 0)
        XCTAssertEqual(trace.executable, "/usr/bin/server")
        XCTAssertEqual(trace.arguments, ["/usr/bin/server", "--port", "5020"])

        XCTAssertEqual(trace.modules.count, 2)
        XCTAssertEqual(trace.modules[0].path, "/usr/bin/server")
        XCTAssertEqual(trace.modules[0].loadBias, 0x4000)
        XCTAssertEqual(trace.modules[0].textStart, 0x5000)
        XCTAssertEqual(trace.modules[0].textEnd, 0x9000)
        XCTAssertEqual(trace.modules[0].buildID, "dead000f")
        XCTAssertNil(trace.modules[1].buildID)
        XCTAssertEqual(trace.modules[1].index, 1)

        let walk = trace.stack(stack)
        XCTAssertNil(walk.problem)
        XCTAssertEqual(walk.frames.map(\.ip), [0x5100, 0x5200, 0x5300])
        XCTAssertEqual(walk.frames.map(\.kind), [.returnAddress, .returnAddress, .returnAddress])
        XCTAssertEqual(trace.stack(0).frames, [])

        let live = trace.liveDescriptors
        XCTAssertEqual(live.map(\.fd), [0, 5, 7])
        XCTAssertEqual(live[0].state, .inherited)
        XCTAssertEqual(trace.string(live[0].str1), "/dev/pts/3")
        let socket = live[1]
        XCTAssertEqual(socket.state, .open)
        XCTAssertEqual(socket.kind, UInt8(FDH_KIND_SOCKET_INET6.rawValue))
        XCTAssertEqual(socket.api, UInt8(FDH_API_ACCEPT4.rawValue))
        XCTAssertEqual(socket.owner, 0)
        XCTAssertTrue(socket.cloexec)
        XCTAssertEqual(socket.stack, stack)
        XCTAssertEqual(trace.string(socket.str1), "[::1]:5020")
        XCTAssertEqual(trace.string(socket.str2), "[::1]:41000")
        XCTAssertEqual(socket.tid, 778)
        XCTAssertEqual(socket.openSeq, 1)
        XCTAssertEqual(socket.timeNs, 1_500_000)
        XCTAssertEqual(live[2].kind, UInt8(FDH_KIND_PIPE.rawValue))

        XCTAssertEqual(trace.callSites[stack], CallSite(stack: stack, opened: 3, closed: 1))

        let scan = trace.events()
        XCTAssertEqual(scan.corrupt, 0)
        XCTAssertEqual(scan.events.map(\.seq), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(scan.events.map(\.type), [.inherited, .open, .open, .close, .failed, .exit])
        let failed = scan.events[4]
        XCTAssertEqual(failed.api, UInt8(FDH_API_OPEN.rawValue))
        XCTAssertEqual(failed.err, EMFILE)
        XCTAssertEqual(failed.result, -1)
        XCTAssertEqual(failed.fd, -1)
        XCTAssertEqual(failed.timeNs, 1_800_000)
        XCTAssertEqual(failed.stack, stack)
        XCTAssertEqual(trace.string(failed.str1), "/tmp/x")
        let pipe = scan.events[2]
        XCTAssertEqual(pipe.fd, 6)
        XCTAssertEqual(pipe.fd2, 7)
        XCTAssertEqual(trace.warnings, [])
    }

    func testUsesTheWritersEntrySizeAsStride() throws {
        let (builder, stack) = makeRichTrace()
        builder.entrySizeIncrease = 24
        let trace = try TraceFile(bytes: builder.build(), path: "mem")
        XCTAssertEqual(trace.modules.map(\.path), ["/usr/bin/server", "/opt/lib/libfdhound.so"])
        XCTAssertEqual(trace.stack(stack).frames.map(\.ip), [0x5100, 0x5200, 0x5300])
        XCTAssertEqual(trace.liveDescriptors.map(\.fd), [0, 5, 7])
        XCTAssertEqual(trace.events().events.count, 6)
        XCTAssertEqual(trace.callSites[stack]?.opened, 3)
    }

    // Version 3: one call-site table per thread shard. A stack's totals are the sums over the tables; the same
    // stack in two tables is not a duplicate, twice in one table is. The live count is the shards' sum modulo
    // 2^64 (a shard that closed what another opened is below zero).
    func testSumsCallSitesOverShardTablesAndTheLiveCountOverShards() throws {
        let (builder, stack) = makeRichTrace()
        builder.shardLive = [5, 2, UInt64.max]
        builder.addShardSite(table: 1, stack: stack, opened: 10, closed: 4)
        builder.addShardSite(table: 2, stack: stack, opened: 1, closed: 6)
        builder.addShardSite(table: 2, stack: 77, opened: 8, closed: 0)
        let trace = try TraceFile(bytes: builder.build(), path: "mem")
        XCTAssertEqual(trace.callSites[stack], CallSite(stack: stack, opened: 14, closed: 11))
        XCTAssertEqual(trace.callSites[77], CallSite(stack: 77, opened: 8, closed: 0))
        XCTAssertEqual(trace.warnings, [])

        builder.addShardSite(table: 1, stack: stack, opened: 1, closed: 0)
        XCTAssertEqual(try TraceFile(bytes: builder.build(), path: "mem").warnings,
                       ["1 duplicate call-site slots were ignored"])

        let bytes = builder.build()
        let reader = ByteReader(storage: TraceBytes(copying: bytes))
        let sections = try SectionDirectory(header: TraceHeaderReader.read(reader))
        XCTAssertEqual(sections.callSiteTables, 3)
        XCTAssertEqual(ShardCounters.live(reader: reader, bounds: sections.shards), 6)
        XCTAssertNil(ShardCounters.live(reader: reader, bounds: nil))
    }

    func testCallSiteSectionThatDoesNotSplitIntoTheShardTablesIsRefused() throws {
        let (builder, _) = makeRichTrace()
        builder.shardLive = [0, 0, 0]
        builder.editHeader = { header in
            withUnsafeMutableBytes(of: &header.sections) { raw in
                for index in 0..<Int(header.section_count) {
                    let at = index * MemoryLayout<fdh_section>.size
                    var section = raw.load(fromByteOffset: at, as: fdh_section.self)
                    if section.type == FDH_SECTION_SHARDS.rawValue { section.capacity = 5 }
                    raw.storeBytes(of: section, toByteOffset: at, as: fdh_section.self)
                }
            }
        }
        XCTAssertThrowsError(try TraceFile(bytes: builder.build(), path: "mem")) { error in
            XCTAssertTrue("\(error)".contains("does not split into 5 shard tables"), "\(error)")
        }
    }

    func testSkipsUnknownSectionTypes() throws {
        let (builder, _) = makeRichTrace()
        builder.unknownSections = [(type: 9, capacity: 100), (type: 4000, capacity: 1)]
        let trace = try TraceFile(bytes: builder.build(), path: "mem")
        XCTAssertEqual(trace.liveDescriptors.count, 3)
    }

    func testReadsFromDiskAndLoadsADirectorySortedByPid() throws {
        let directory = try TemporaryDirectory.make("set")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TraceBuilder(pid: 300).write(into: directory)
        try TraceBuilder(pid: 20).write(into: directory)
        try TraceBuilder(pid: 20).write(into: directory, name: "fdhound.20.1.trace")
        try Data("unrelated".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let traces = try TraceSet.load(path: directory.path)
        XCTAssertEqual(traces.map(\.header.pid), [20, 20, 300])
        XCTAssertEqual(traces.map { ($0.path as NSString).lastPathComponent },
                       ["fdhound.20.1.trace", "fdhound.20.trace", "fdhound.300.trace"])
        XCTAssertEqual(try TraceSet.load(path: traces[2].path).count, 1)
    }

    func testEmptyDirectoryAndMissingPathAreTraceErrors() throws {
        let directory = try TemporaryDirectory.make("empty")
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertThrowsError(try TraceSet.load(path: directory.path)) { error in
            XCTAssertEqual("\(error)", "no fdhound traces in \(directory.path)")
        }
        let missing = directory.appendingPathComponent("nope").path
        XCTAssertThrowsError(try TraceSet.load(path: missing)) { error in
            XCTAssertTrue("\(error)".contains(missing), "\(error)")
        }
    }

    func testFileWhoseSetUpNeverFinishedIsSkippedInADirectory() throws {
        let directory = try TemporaryDirectory.make("unfinished")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TraceBuilder(pid: 10).write(into: directory)
        try Data(count: 8192).write(to: directory.appendingPathComponent("fdhound.11.trace"))
        let (traces, skipped) = try TraceSet.scan(path: directory.path)
        XCTAssertEqual(traces.map(\.header.pid), [10])
        XCTAssertEqual(skipped.count, 1)
        // Alone, it is a plain error naming the file.
        XCTAssertThrowsError(try TraceSet.load(path: directory.appendingPathComponent("fdhound.11.trace").path))
    }

    func testModuleLookupUsesTheSlotCurrentAtTheEvent() throws {
        let b = TraceBuilder()
        b.addModule(path: "/lib/old.so", loadBias: 0x1000, textStart: 0x10000, textEnd: 0x20000, firstEventSeq: 0)
        b.addModule(path: "/lib/new.so", loadBias: 0x2000, textStart: 0x10000, textEnd: 0x20000, firstEventSeq: 50)
        b.addModule(path: "/lib/late.so", loadBias: 0, textStart: 0x90000, textEnd: 0x91000, firstEventSeq: 80)
        let trace = try TraceFile(bytes: b.build(), path: "mem")
        XCTAssertEqual(trace.module(containing: 0x15000, atSeq: 10)?.path, "/lib/old.so")
        XCTAssertEqual(trace.module(containing: 0x15000, atSeq: 50)?.path, "/lib/new.so")
        XCTAssertEqual(trace.module(containing: 0x15000, atSeq: 99)?.path, "/lib/new.so")
        XCTAssertEqual(trace.module(containing: 0x90500, atSeq: 3)?.path, "/lib/late.so", "fallback: any slot")
        XCTAssertNil(trace.module(containing: 0x20000, atSeq: 99), "text_end is exclusive")
    }

    func testOddSeqlockSlotsAreSkippedWithAWarning() throws {
        let b = TraceBuilder()
        b.open(fd: 4, path: "/a")
        b.open(fd: 5, path: "/b")
        b.setLiveVersion(fd: 5, 3)
        let trace = try TraceFile(bytes: b.build(), path: "mem")
        XCTAssertEqual(trace.liveDescriptors.map(\.fd), [4])
        XCTAssertEqual(trace.warnings.count, 1)
        XCTAssertTrue(trace.warnings[0].contains("being updated"), trace.warnings[0])
    }

    func testEventWithWrongSequenceNumberIsSkippedAsCorrupt() throws {
        let b = TraceBuilder()
        b.open(fd: 4, path: "/a")
        b.open(fd: 5, path: "/b")
        b.open(fd: 6, path: "/c")
        var bytes = b.build()
        let eventsOffset = try XCTUnwrap(b.sectionOffsets[FDH_SECTION_EVENTS.rawValue])
        let seqField = eventsOffset + MemoryLayout<fdh_event>.size + (MemoryLayout<fdh_event>.offset(of: \.seq) ?? 0)
        bytes[seqField] = 9
        let commitOfThird = eventsOffset + 2 * MemoryLayout<fdh_event>.size
        bytes[commitOfThird] = 0
        let scan = try TraceFile(bytes: bytes, path: "mem").events()
        XCTAssertEqual(scan.events.map(\.fd), [4])
        XCTAssertEqual(scan.corrupt, 1)
        XCTAssertEqual(scan.unpublished, 1)
    }

    func testVersion1EventsBeyondCapacityAreCountedAsDropped() throws {
        var capacities = TraceBuilder.Capacities()
        capacities.events = 4
        let b = TraceBuilder(capacities: capacities)
        b.version = 1  // version 1 kept the first `capacity` events; version 2 is a ring (EventRingTests)
        for fd in 3..<13 { b.open(fd: Int32(fd), path: "/x") }
        let trace = try TraceFile(bytes: b.build(), path: "mem")
        XCTAssertEqual(trace.header.eventsNext, 10)
        XCTAssertEqual(trace.header.eventsDropped, 6)
        XCTAssertEqual(trace.events().events.count, 4)
        XCTAssertEqual(trace.liveDescriptors.count, 10, "the live table stays exact")
    }

    func testUnpublishedStringReadsAsMissing() throws {
        let b = TraceBuilder()
        b.open(fd: 4, path: "/some/path")
        var bytes = b.build()
        let trace = try TraceFile(bytes: bytes, path: "mem")
        let id = try XCTUnwrap(trace.liveDescriptors.first?.str1)
        XCTAssertEqual(trace.string(id), "/some/path")
        let stringsOffset = try XCTUnwrap(b.sectionOffsets[FDH_SECTION_STRINGS.rawValue])
        for i in 0..<4 { bytes[stringsOffset + Int(id) + i] = 0 }  // length 0: reserved, not published
        XCTAssertNil(try TraceFile(bytes: bytes, path: "mem").string(id))
        XCTAssertNil(trace.string(id + 4), "misaligned id")
        XCTAssertNil(trace.string(1 << 30), "id beyond the arena")
        XCTAssertNil(trace.string(0))
    }
}
