// A Swift writer of valid trace files, following fdhound_trace.h field by field, with a small DSL (add a
// module, intern a stack, open/close/inherit descriptors, set the process state). Unit tests build traces
// with it and then corrupt them on purpose; end-to-end tests may use it for fixtures.
//
// It lays records out sequentially (node i, call-site i) instead of at the writer's hash positions: the
// reader must not depend on placement, and sequential ids keep tests readable.
import CFDHoundTrace
import Foundation

public final class TraceBuilder {
    /// Entries per section (bytes for strings). Small by default so corruption tests stay fast.
    public struct Capacities {
        public var strings = 8192
        public var stringIndex = 512
        public var modules = 16
        public var stackNodes = 512
        public var events = 512
        public var liveFDs = 128
        public var callSites = 128
        public init() {}
    }

    // Header facts, settable directly.
    public var pid: Int32
    public var ppid: Int32 = 1
    public var state: UInt32 = FDH_STATE_EXITED.rawValue
    public var startRealtimeNs: UInt64 = 1_700_000_000_000_000_000
    public var startMonotonicNs: UInt64 = 5_000_000_000
    public var endMonotonicNs: UInt64 = 2_000_000_000
    public var rlimitSoft: UInt64 = 1024
    public var rlimitHard: UInt64 = 524_288
    public var stackDepth: UInt32 = 32
    public var flags: UInt32 = FDH_HEADER_FLAG_STDIO_INHERITED.rawValue
    public var shimModule: UInt32 = 0
    public var version: UInt32 = FDH_FORMAT_VERSION
    /// Events a ring (version 2) writer dropped because their slot was busy: header.events_dropped.
    public var eventsDropped: UInt64 = 0
    /// Added to every struct section's entry size, to test that readers use the writer's stride.
    public var entrySizeIncrease: UInt32 = 0
    /// Extra sections of unknown types (readers must skip them).
    public var unknownSections: [(type: UInt32, capacity: Int)] = []
    /// Counters the DSL does not produce by itself (events_dropped and overflow counts are automatic).
    public var extraStringsDropped: UInt64 = 0
    public var extraModulesDropped: UInt64 = 0
    public var extraStacksDropped: UInt64 = 0
    public var extraLiveDropped: UInt64 = 0
    public var extraSitesDropped: UInt64 = 0
    /// Version 3: the live count of each thread shard (section 13). nil writes no shards section: one call-site
    /// table, as version 2 writers did. With n shards the call-site section holds n tables of
    /// `capacities.callSites` slots; `open`'s counts go to table 0, `addShardSite` adds slots to any table.
    public var shardLive: [UInt64]?
    private var shardSites: [(table: Int, site: fdh_call_site)] = []
    /// Last-moment edits of the header (corruption tests), applied after the builder filled it in.
    public var editHeader: ((inout fdh_header) -> Void)?

    public let capacities: Capacities

    /// After `build()`: where each section landed, by section type.
    public private(set) var sectionOffsets: [UInt32: Int] = [:]

    private var arena: [UInt8]
    private var stringIDs: [[UInt8]: UInt32] = [:]
    private var stringsDropped: UInt64 = 0
    private var modules: [fdh_module] = []
    private var modulesDropped: UInt64 = 0
    private var nodes: [fdh_stack_node] = [fdh_stack_node()]  // node 0 is never used
    private var nodeIDs: [NodeKey: UInt32] = [:]
    private var stacksDropped: UInt64 = 0
    private var events: [fdh_event] = []
    private var eventsNext: UInt64 = 0
    private var live: [Int: fdh_live_fd] = [:]
    private var liveDropped: UInt64 = 0
    private var sites: [fdh_call_site] = []
    private var siteIndex: [UInt32: Int] = [:]
    private var sitesDropped: UInt64 = 0
    private var executableID: UInt32 = 0
    private var commandLineID: UInt32 = 0

    private struct NodeKey: Hashable { let parent: UInt32, ip: UInt64, kind: UInt16 }

    public init(pid: Int32 = 4242, executable: String = "/usr/bin/leaky", arguments: [String]? = nil,
                capacities: Capacities = Capacities()) {
        self.pid = pid
        self.capacities = capacities
        arena = [UInt8](repeating: 0, count: 8)  // offset 0 is "no string"
        executableID = intern(executable)
        let argv = arguments ?? [executable]
        commandLineID = internBytes(Array(argv.joined(separator: "\0").utf8))
    }

    // MARK: strings

    /// Interns `text` (UTF-8) and returns its id; 0 (and strings_dropped + 1) when the arena is full.
    @discardableResult
    public func intern(_ text: String) -> UInt32 { internBytes(Array(text.utf8)) }

    @discardableResult
    public func internBytes(_ bytes: [UInt8]) -> UInt32 {
        if let id = stringIDs[bytes] { return id }
        let recordSize = (8 + bytes.count + 1 + 7) / 8 * 8
        guard arena.count + recordSize <= capacities.strings, !bytes.isEmpty else {
            stringsDropped += 1
            return 0
        }
        let id = UInt32(arena.count)
        arena += withUnsafeBytes(of: UInt32(bytes.count).littleEndian, Array.init)
        arena += withUnsafeBytes(of: Self.fnv1a(bytes).littleEndian, Array.init)
        arena += bytes + [0]
        arena += [UInt8](repeating: 0, count: Int(id) + recordSize - arena.count)
        stringIDs[bytes] = id
        return id
    }

    // MARK: modules and stacks

    /// Records a loaded object; returns its slot index.
    @discardableResult
    public func addModule(path: String, loadBias: UInt64, textStart: UInt64, textEnd: UInt64,
                          buildID: [UInt8] = [], firstEventSeq: UInt64? = nil) -> Int {
        guard modules.count < capacities.modules else {
            modulesDropped += 1
            return -1
        }
        var module = fdh_module()
        module.state = 1
        module.path_string = intern(path)
        module.load_bias = loadBias
        module.text_start = textStart
        module.text_end = textEnd
        module.first_event_seq = firstEventSeq ?? eventsNext
        module.build_id_length = UInt32(min(buildID.count, Int(FDH_BUILD_ID_MAX)))
        withUnsafeMutableBytes(of: &module.build_id) { raw in
            for (index, byte) in buildID.prefix(Int(FDH_BUILD_ID_MAX)).enumerated() { raw[index] = byte }
        }
        modules.append(module)
        return modules.count - 1
    }

    /// Interns a stack given innermost first; returns the innermost node's id (0 if `ips` is empty or the
    /// node table is full).
    public func stack(_ ips: [UInt64], kind: UInt16 = UInt16(FDH_FRAME_RETURN_ADDRESS.rawValue)) -> UInt32 {
        var parent: UInt32 = 0
        for ip in ips.reversed() {
            let key = NodeKey(parent: parent, ip: ip, kind: kind)
            if let id = nodeIDs[key] { parent = id; continue }
            guard nodes.count < capacities.stackNodes else {
                stacksDropped += 1
                return 0
            }
            var node = fdh_stack_node()
            node.ip = ip
            node.parent = parent
            node.kind = kind
            node.state = UInt16(FDH_NODE_PUBLISHED.rawValue)
            nodes.append(node)
            parent = UInt32(nodes.count - 1)
            nodeIDs[key] = parent
        }
        return parent
    }

    /// An always-on partial stack (shim/src/sampling.c): the SAMPLED_OUT marker, the innermost Python frame
    /// or else the caller's caller (if any), then the caller (innermost); returns the caller's node id.
    public func partialStack(caller: UInt64, second: UInt64? = nil, python: UInt64? = nil) -> UInt32 {
        func node(_ parent: UInt32, _ ip: UInt64, _ kind: fdh_frame_kind) -> UInt32 {
            let key = NodeKey(parent: parent, ip: ip, kind: UInt16(kind.rawValue))
            if let id = nodeIDs[key] { return id }
            var node = fdh_stack_node()
            node.ip = ip
            node.parent = parent
            node.kind = UInt16(kind.rawValue)
            node.state = UInt16(FDH_NODE_PUBLISHED.rawValue)
            nodes.append(node)
            nodeIDs[key] = UInt32(nodes.count - 1)
            return UInt32(nodes.count - 1)
        }
        var parent = node(0, 0, FDH_FRAME_SAMPLED_OUT)
        if let python { parent = node(parent, python, FDH_FRAME_PYTHON) }
        else if let second { parent = node(parent, second, FDH_FRAME_RETURN_ADDRESS) }
        return node(parent, caller, FDH_FRAME_RETURN_ADDRESS)
    }

    /// Overwrites a stack node (cycle and dangling-link tests).
    public func setParent(ofNode id: UInt32, to parent: UInt32) {
        guard Int(id) < nodes.count else { return }
        nodes[Int(id)].parent = parent
    }

    // MARK: descriptor events

    /// A creating call succeeded: `fd` (and `fd2` for pairs) become open; call-site counters go up.
    public func open(fd: Int32, fd2: Int32? = nil, kind: fdh_fd_kind = FDH_KIND_FILE, api: fdh_api = FDH_API_OPEN,
                     owner: fdh_fd_owner = FDH_OWNER_RAW, path: String? = nil, peer: String? = nil,
                     stack: UInt32 = 0, timeNs: UInt64 = 0, tid: UInt32? = nil, cloexec: Bool = false,
                     pathBytes: [UInt8]? = nil) {
        let str1 = pathBytes.map { internBytes($0) } ?? path.map { intern($0) } ?? 0
        let str2 = peer.map { intern($0) } ?? 0
        let seq = appendEvent(type: FDH_EVENT_OPEN, api: api, kind: kind, owner: owner, fd: fd, fd2: fd2 ?? -1,
                              result: 0, stack: stack, str1: str1, str2: str2, timeNs: timeNs, tid: tid)
        for number in [fd] + (fd2.map { [$0] } ?? []) {
            var slot = fdh_live_fd()
            slot.state = FDH_LIVE_OPEN.rawValue
            slot.kind = UInt8(kind.rawValue)
            slot.owner = UInt8(owner.rawValue)
            slot.api = UInt8(api.rawValue)
            slot.cloexec = cloexec ? 1 : 0
            slot.stack = stack
            slot.str1 = str1
            slot.str2 = str2
            slot.tid = tid ?? UInt32(pid)
            slot.open_seq = seq
            slot.time_ns = timeNs
            storeLive(Int(number), slot)
            countOpen(stack)
        }
    }

    /// `fd` is released: its slot becomes closed and its opening stack's `closed` counter goes up.
    /// `arg`: the CLOSE event's `arg` (in CPython processes, `fdh_close_python_context` bits).
    public func close(fd: Int32, api: fdh_api = FDH_API_CLOSE, stack: UInt32 = 0, timeNs: UInt64 = 0, arg: UInt64 = 0) {
        appendEvent(type: FDH_EVENT_CLOSE, api: api, kind: FDH_KIND_UNKNOWN, owner: FDH_OWNER_RAW, fd: fd, fd2: -1,
                    result: 0, stack: stack, str1: 0, str2: 0, timeNs: timeNs, tid: nil, arg: arg)
        guard var slot = live[Int(fd)], slot.state != FDH_LIVE_CLOSED.rawValue else { return }
        if slot.state == FDH_LIVE_OPEN.rawValue, let index = siteIndex[slot.stack] {
            sites[index].closed += 1
        }
        slot.state = FDH_LIVE_CLOSED.rawValue
        storeLive(Int(fd), slot)
    }

    /// fdhound_phase_begin(name) on thread `tid` (the process's main thread by default).
    public func phaseBegin(_ name: String?, tid: UInt32? = nil, timeNs: UInt64 = 0) {
        appendEvent(type: FDH_EVENT_PHASE_BEGIN, api: FDH_API_PHASE, kind: FDH_KIND_UNKNOWN, owner: FDH_OWNER_RAW,
                    fd: -1, fd2: -1, result: 0, stack: 0, str1: name.map { intern($0) } ?? 0, str2: 0,
                    timeNs: timeNs, tid: tid)
    }

    /// fdhound_phase_end() on thread `tid`.
    public func phaseEnd(tid: UInt32? = nil, timeNs: UInt64 = 0) {
        appendEvent(type: FDH_EVENT_PHASE_END, api: FDH_API_PHASE, kind: FDH_KIND_UNKNOWN, owner: FDH_OWNER_RAW,
                    fd: -1, fd2: -1, result: 0, stack: 0, str1: 0, str2: 0, timeNs: timeNs, tid: tid)
    }

    /// A descriptor open when the shim started (never a leak).
    public func inherited(fd: Int32, kind: fdh_fd_kind = FDH_KIND_PTY, description: String? = nil) {
        let str1 = description.map { intern($0) } ?? 0
        let seq = appendEvent(type: FDH_EVENT_INHERITED, api: FDH_API_STARTUP, kind: kind, owner: FDH_OWNER_RAW,
                              fd: fd, fd2: -1, result: fd, stack: 0, str1: str1, str2: 0, timeNs: 0, tid: nil)
        var slot = fdh_live_fd()
        slot.state = FDH_LIVE_INHERITED.rawValue
        slot.kind = UInt8(kind.rawValue)
        slot.api = UInt8(FDH_API_STARTUP.rawValue)
        slot.str1 = str1
        slot.open_seq = seq
        storeLive(Int(fd), slot)
    }

    /// A creating call that failed with `err` (e.g. EMFILE).
    public func failed(api: fdh_api = FDH_API_OPEN, err: Int32, path: String? = nil, stack: UInt32 = 0, timeNs: UInt64 = 0) {
        appendEvent(type: FDH_EVENT_FAILED, api: api, kind: FDH_KIND_UNKNOWN, owner: FDH_OWNER_RAW, fd: -1, fd2: -1,
                    result: -1, err: err, stack: stack, str1: path.map { intern($0) } ?? 0, str2: 0,
                    timeNs: timeNs, tid: nil)
    }

    /// The shim's destructor ran: EXIT event, state EXITED, end time.
    public func exit(timeNs: UInt64) {
        appendEvent(type: FDH_EVENT_EXIT, api: FDH_API_STARTUP, kind: FDH_KIND_UNKNOWN, owner: FDH_OWNER_RAW,
                    fd: -1, fd2: -1, result: 0, stack: 0, str1: 0, str2: 0, timeNs: timeNs, tid: nil)
        state = FDH_STATE_EXITED.rawValue
        endMonotonicNs = timeNs
    }

    /// Sets a live slot's seqlock version (odd = being written).
    public func setLiveVersion(fd: Int32, _ version: UInt32) {
        guard var slot = live[Int(fd)] else { return }
        slot.version = version
        live[Int(fd)] = slot
    }

    // MARK: output

    /// The file's bytes.
    public func build() -> [UInt8] {
        let align = Int(FDH_SECTION_ALIGN)
        let increase = Int(entrySizeIncrease)
        let plan: [(type: UInt32, entrySize: Int, capacity: Int)] = [
            (FDH_SECTION_STRINGS.rawValue, 1, capacities.strings),
            (FDH_SECTION_STRING_INDEX.rawValue, 4, capacities.stringIndex),
            (FDH_SECTION_MODULES.rawValue, MemoryLayout<fdh_module>.size + increase, capacities.modules),
            (FDH_SECTION_STACK_NODES.rawValue, MemoryLayout<fdh_stack_node>.size + increase, capacities.stackNodes),
            (FDH_SECTION_EVENTS.rawValue, MemoryLayout<fdh_event>.size + increase, capacities.events),
            (FDH_SECTION_LIVE_FDS.rawValue, MemoryLayout<fdh_live_fd>.size + increase, capacities.liveFDs),
            (FDH_SECTION_CALL_SITES.rawValue, MemoryLayout<fdh_call_site>.size + increase,
             capacities.callSites * (shardLive?.count ?? 1)),
        ] + (shardLive.map { [(FDH_SECTION_SHARDS.rawValue, MemoryLayout<fdh_shard>.size + increase, $0.count)] } ?? [])
            + unknownSections.map { ($0.type, 8, $0.capacity) }

        var cursor = MemoryLayout<fdh_header>.size
        var directory = [fdh_section]()
        sectionOffsets = [:]
        for entry in plan {
            cursor = (cursor + align - 1) / align * align
            var section = fdh_section()
            section.type = entry.type
            section.entry_size = UInt32(entry.entrySize)
            section.offset = UInt64(cursor)
            section.capacity = UInt64(entry.capacity)
            directory.append(section)
            sectionOffsets[entry.type] = cursor
            cursor += entry.entrySize * entry.capacity
        }
        let fileSize = (cursor + align - 1) / align * align
        var bytes = [UInt8](repeating: 0, count: fileSize)

        func put<T>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value) { raw in bytes.replaceSubrange(offset..<offset + raw.count, with: raw) }
        }
        func offset(_ type: fdh_section_type, _ index: Int) -> Int {
            let entrySize = plan.first { $0.type == type.rawValue }?.entrySize ?? 0
            return (sectionOffsets[type.rawValue] ?? 0) + index * entrySize
        }
        bytes.replaceSubrange(offset(FDH_SECTION_STRINGS, 0)..<offset(FDH_SECTION_STRINGS, 0) + arena.count, with: arena)
        for (text, id) in stringIDs {  // the writer-side interning table, linear probing on the hash
            var slot = Int(Self.fnv1a(text)) % capacities.stringIndex
            for _ in 0..<capacities.stringIndex {
                let at = offset(FDH_SECTION_STRING_INDEX, slot)
                if bytes[at..<at + 4].allSatisfy({ $0 == 0 }) { put(id, at: at); break }
                slot = (slot + 1) % capacities.stringIndex
            }
        }
        for (index, module) in modules.enumerated() { put(module, at: offset(FDH_SECTION_MODULES, index)) }
        for (index, node) in nodes.enumerated() where index > 0 { put(node, at: offset(FDH_SECTION_STACK_NODES, index)) }
        // Version 2 logs are a ring (the newest `capacity` events, seq at slot seq % capacity, commit word =
        // the lap); version 1 logs kept the first `capacity` events and dropped the rest.
        let capacity = UInt64(capacities.events)
        let ring = version >= 2
        for event in ring ? Array(events.suffix(capacities.events)) : Array(events.prefix(capacities.events)) {
            var stored = event
            if ring { stored.commit = fdh_event_commit_word(event.seq, capacity) }
            put(stored, at: offset(FDH_SECTION_EVENTS, Int(event.seq % capacity)))
        }
        for (fd, slot) in live { put(slot, at: offset(FDH_SECTION_LIVE_FDS, fd)) }
        for (index, site) in sites.enumerated() { put(site, at: offset(FDH_SECTION_CALL_SITES, index)) }
        var used = [0: sites.count]
        for (table, site) in shardSites {
            put(site, at: offset(FDH_SECTION_CALL_SITES, table * capacities.callSites + used[table, default: 0]))
            used[table, default: 0] += 1
        }
        for (index, live) in (shardLive ?? []).enumerated() {
            var shard = fdh_shard()
            shard.live = live
            put(shard, at: offset(FDH_SECTION_SHARDS, index))
        }

        var header = fdh_header()
        withUnsafeMutableBytes(of: &header.magic) { raw in
            for (index, byte) in FDH_MAGIC_STRING.utf8.enumerated() { raw[index] = byte }
        }
        header.version = version
        header.header_size = UInt32(MemoryLayout<fdh_header>.size)
        header.endian_mark = FDH_ENDIAN_MARK
        header.pointer_width = 8
        header.section_count = UInt16(directory.count)
        header.file_size = UInt64(fileSize)
        header.pid = pid
        header.ppid = ppid
        header.exe_string = executableID
        header.cmdline_string = commandLineID
        header.start_realtime_ns = startRealtimeNs
        header.start_monotonic_ns = startMonotonicNs
        header.end_monotonic_ns = state == FDH_STATE_RUNNING.rawValue ? 0 : endMonotonicNs
        header.rlimit_nofile_soft = rlimitSoft
        header.rlimit_nofile_hard = rlimitHard
        header.state = state
        header.stack_depth = stackDepth
        header.flags = flags
        header.shim_module = shimModule
        header.events_next = eventsNext
        header.events_dropped = version < 2 && eventsNext > UInt64(capacities.events)
            ? eventsNext - UInt64(capacities.events) : eventsDropped
        header.strings_used = UInt64(arena.count)
        header.strings_dropped = stringsDropped + extraStringsDropped
        header.modules_next = UInt64(modules.count)
        header.modules_dropped = modulesDropped + extraModulesDropped
        header.stacks_dropped = stacksDropped + extraStacksDropped
        header.live_dropped = liveDropped + extraLiveDropped
        header.sites_dropped = sitesDropped + extraSitesDropped
        withUnsafeMutableBytes(of: &header.sections) { raw in
            for (index, section) in directory.prefix(Int(FDH_MAX_SECTIONS)).enumerated() {
                raw.storeBytes(of: section, toByteOffset: index * MemoryLayout<fdh_section>.size, as: fdh_section.self)
            }
        }
        editHeader?(&header)
        put(header, at: 0)
        return bytes
    }

    /// Writes the trace as `directory/fdhound.<pid>.trace` (or `name`) and returns its path.
    @discardableResult
    public func write(into directory: URL, name: String? = nil) throws -> String {
        let url = directory.appendingPathComponent(name ?? "fdhound.\(pid).trace")
        try Data(build()).write(to: url)
        return url.path
    }

    /// Byte offset of a header field (for corruption tests): `TraceBuilder.headerOffset(\.version)`.
    public static func headerOffset<T>(_ field: KeyPath<fdh_header, T>) -> Int {
        MemoryLayout<fdh_header>.offset(of: field) ?? 0
    }

    /// Byte offset of directory entry `index` inside the header.
    public static func sectionEntryOffset(_ index: Int) -> Int {
        headerOffset(\.sections) + index * MemoryLayout<fdh_section>.size
    }

    // MARK: private

    @discardableResult
    private func appendEvent(type: fdh_event_type, api: fdh_api, kind: fdh_fd_kind, owner: fdh_fd_owner,
                             fd: Int32, fd2: Int32, result: Int32, err: Int32 = 0, stack: UInt32,
                             str1: UInt32, str2: UInt32, timeNs: UInt64, tid: UInt32?, arg: UInt64 = 0) -> UInt64 {
        let seq = eventsNext
        eventsNext += 1
        var event = fdh_event()
        event.commit = FDH_EVENT_PUBLISHED.rawValue
        event.type = UInt8(type.rawValue)
        event.api = UInt8(api.rawValue)
        event.kind = UInt8(kind.rawValue)
        event.owner = UInt8(owner.rawValue)
        event.fd = fd
        event.fd2 = fd2
        event.result = result
        event.err = err
        event.time_ns = timeNs
        event.tid = tid ?? UInt32(pid)
        event.stack = stack
        event.str1 = str1
        event.str2 = str2
        event.arg = arg
        event.seq = seq
        events.append(event)
        return seq
    }

    private func storeLive(_ fd: Int, _ slot: fdh_live_fd) {
        guard fd >= 0, fd < capacities.liveFDs else {
            liveDropped += 1
            return
        }
        var slot = slot
        slot.version = (live[fd]?.version ?? 0) &+ 2  // even: published
        live[fd] = slot
    }

    /// A call-site slot in shard table `table` (see `shardLive`), beside those `open` counts in table 0.
    public func addShardSite(table: Int, stack: UInt32, opened: UInt64, closed: UInt64) {
        var site = fdh_call_site()
        site.stack = stack
        site.opened = opened
        site.closed = closed
        shardSites.append((table, site))
    }

    private func countOpen(_ stack: UInt32) {
        guard stack != 0 else { return }
        if siteIndex[stack] == nil {
            guard sites.count < capacities.callSites else {
                sitesDropped += 1
                return
            }
            var site = fdh_call_site()
            site.stack = stack
            siteIndex[stack] = sites.count
            sites.append(site)
        }
        guard let index = siteIndex[stack] else { return }
        sites[index].opened += 1
        sites[index].peak_open = max(sites[index].peak_open, sites[index].opened - sites[index].closed)
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }
}
