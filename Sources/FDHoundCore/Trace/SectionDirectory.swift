// Validates the section directory: each known section must be 4096-aligned, lie inside the file without
// overflow and have entries at least as large as this reader's struct. Unknown types are skipped (that is
// how the format grows without a version bump).
import CFDHoundTrace

/// Where one validated section lies. `stride` is the writer's entry size (may exceed the known struct).
struct SectionBounds: Equatable {
    let offset: Int
    let stride: Int
    let capacity: Int

    /// Byte offset of entry `index`; callers keep `index < capacity`, so this cannot leave the section.
    func entryOffset(_ index: Int) -> Int { offset + index * stride }
}

/// The known sections of one trace, all present and in bounds.
struct SectionDirectory {
    let strings: SectionBounds
    let modules: SectionBounds
    let stackNodes: SectionBounds
    let events: SectionBounds
    let liveFDs: SectionBounds
    let callSites: SectionBounds
    /// Optional sections (absent in traces of older writers): nil when the trace has none.
    let dbusConnections: SectionBounds?
    /// CPython code objects (section 8): nil when the process recorded no Python frames' code.
    let pyCodes: SectionBounds?
    /// Evidence near the descriptor limit (section 11): nil in traces of older writers.
    let evidence: SectionBounds?
    /// The kernel and C library the process ran on (section 12): nil in traces of older writers.
    let environment: SectionBounds?
    /// Per-thread-shard counters (section 13, version 3): nil in older traces, which have one call-site table.
    let shards: SectionBounds?

    /// Section types this reader uses, with their names and minimum entry sizes.
    /// The string index (type 2) is writer-only and deliberately not read.
    private static let required: [(type: UInt32, name: String, minimumEntrySize: Int)] = [
        (FDH_SECTION_STRINGS.rawValue, "strings", 1),
        (FDH_SECTION_MODULES.rawValue, "modules", MemoryLayout<fdh_module>.size),
        (FDH_SECTION_STACK_NODES.rawValue, "stack nodes", MemoryLayout<fdh_stack_node>.size),
        (FDH_SECTION_EVENTS.rawValue, "events", MemoryLayout<fdh_event>.size),
        (FDH_SECTION_LIVE_FDS.rawValue, "live fds", MemoryLayout<fdh_live_fd>.size),
        (FDH_SECTION_CALL_SITES.rawValue, "call sites", MemoryLayout<fdh_call_site>.size),
    ]
    /// Section types read when present, validated like the required ones.
    private static let optional: [(type: UInt32, name: String, minimumEntrySize: Int)] = [
        (FDH_SECTION_DBUS.rawValue, "D-Bus connections", MemoryLayout<fdh_dbus_connection>.size),
        (FDH_SECTION_PY_CODES.rawValue, "Python code objects", MemoryLayout<fdh_py_code>.size),
        (FDH_SECTION_EVIDENCE.rawValue, "evidence", MemoryLayout<fdh_evidence>.size),
        (FDH_SECTION_ENVIRONMENT.rawValue, "environment", MemoryLayout<fdh_environment>.size),
        (FDH_SECTION_SHARDS.rawValue, "shards", MemoryLayout<fdh_shard>.size),
    ]

    init(header: fdh_header) throws(TraceProblem) {
        var entries = [fdh_section]()
        var raw = header.sections
        withUnsafeBytes(of: &raw) { buffer in
            for index in 0..<Int(header.section_count) {
                entries.append(buffer.loadUnaligned(fromByteOffset: index * MemoryLayout<fdh_section>.size,
                                                    as: fdh_section.self))
            }
        }
        var found = [UInt32: SectionBounds]()
        for entry in entries {
            guard let known = (Self.required + Self.optional).first(where: { $0.type == entry.type }) else { continue }
            guard found[entry.type] == nil else {
                throw TraceProblem("two \(known.name) sections in the section directory")
            }
            found[entry.type] = try Self.validate(entry, name: known.name, minimumEntrySize: known.minimumEntrySize,
                                                  header: header)
        }
        func section(_ type: UInt32) throws(TraceProblem) -> SectionBounds {
            guard let bounds = found[type] else {
                let name = Self.required.first { $0.type == type }?.name ?? "type \(type)"
                throw TraceProblem("has no \(name) section")
            }
            return bounds
        }
        strings = try section(FDH_SECTION_STRINGS.rawValue)
        modules = try section(FDH_SECTION_MODULES.rawValue)
        stackNodes = try section(FDH_SECTION_STACK_NODES.rawValue)
        events = try section(FDH_SECTION_EVENTS.rawValue)
        liveFDs = try section(FDH_SECTION_LIVE_FDS.rawValue)
        callSites = try section(FDH_SECTION_CALL_SITES.rawValue)
        dbusConnections = found[FDH_SECTION_DBUS.rawValue]
        pyCodes = found[FDH_SECTION_PY_CODES.rawValue]
        evidence = found[FDH_SECTION_EVIDENCE.rawValue]
        environment = found[FDH_SECTION_ENVIRONMENT.rawValue]
        shards = found[FDH_SECTION_SHARDS.rawValue]
        // The call-site section is one table per shard: it must split evenly.
        if let shards, shards.capacity == 0 || callSites.capacity % shards.capacity != 0 {
            throw TraceProblem("call sites section (\(callSites.capacity) slots) does not split into \(shards.capacity) shard tables")
        }
    }

    /// How many tables the call-site section holds: one per shard, or one in traces without shards.
    var callSiteTables: Int { shards?.capacity ?? 1 }

    private static func validate(_ entry: fdh_section, name: String, minimumEntrySize: Int,
                                 header: fdh_header) throws(TraceProblem) -> SectionBounds {
        guard entry.offset % UInt64(FDH_SECTION_ALIGN) == 0 else {
            throw TraceProblem("\(name) section offset \(entry.offset) is not a multiple of \(FDH_SECTION_ALIGN)")
        }
        guard entry.offset >= UInt64(header.header_size) else {
            throw TraceProblem("\(name) section at offset \(entry.offset) overlaps the header")
        }
        // The string arena is a byte array: any other entry size means a corrupt directory.
        if minimumEntrySize == 1 {
            guard entry.entry_size == 1 else {
                throw TraceProblem("\(name) section entry size \(entry.entry_size) is not 1")
            }
        } else if Int(entry.entry_size) < minimumEntrySize {
            throw TraceProblem("\(name) section entry size \(entry.entry_size) is smaller than \(minimumEntrySize)")
        }
        let (bytes, overflow) = entry.capacity.multipliedReportingOverflow(by: UInt64(entry.entry_size))
        let (end, overflow2) = entry.offset.addingReportingOverflow(bytes)
        guard !overflow, !overflow2, end <= header.file_size else {
            throw TraceProblem("\(name) section (offset \(entry.offset), \(entry.capacity) × \(entry.entry_size) bytes) extends past the end of the file (\(header.file_size) bytes)")
        }
        // file_size ≤ the bytes in memory (checked by TraceHeaderReader), so these conversions are exact.
        return SectionBounds(offset: Int(entry.offset), stride: Int(entry.entry_size), capacity: Int(entry.capacity))
    }
}
