// Copies a trace that its process may still be writing, so that the copy is consistent in the format's own
// sense (docs/TRACE-FORMAT.md, "Publication"): every record in it is either complete or reads as
// unpublished, and everything a copied record refers to is in the copy too. Used by `report --pid`,
// `live` and `snapshot`: no ptrace, no signal, no pause of the process — only reads of its trace file.
import CFDHoundTrace
import Foundation

/// A point-in-time copy of a (possibly running) trace file.
///
/// How: a writer publishes a record only after everything it refers to was published. So the sections that
/// refer (events, live descriptors, call sites, evidence, D-Bus connections) are read first, the sections
/// they refer to (stack nodes, Python code objects, modules, strings) after them, and the header — whose
/// counters bound the tables (`strings_used`, `events_next`, `modules_next`) — last of all. A live slot
/// caught mid-update (odd seqlock version) is read again until it is stable; an event slot whose commit word
/// changed while it was copied (the ring reuses slots) is left unpublished. What this does not give is a
/// single instant: records published while the copy was being made may or may not be in it (the live
/// table and the evidence count can differ by the calls made during the copy, a few milliseconds).
public enum RunningTraceCopy {
    /// Referrers first, referees after them; the string index (type 2) is the writer's own aid: not copied.
    static let order: [UInt32] = [
        FDH_SECTION_EVENTS.rawValue, FDH_SECTION_LIVE_FDS.rawValue, FDH_SECTION_CALL_SITES.rawValue,
        FDH_SECTION_SHARDS.rawValue, FDH_SECTION_EVIDENCE.rawValue, FDH_SECTION_DBUS.rawValue,
        FDH_SECTION_STACK_NODES.rawValue, FDH_SECTION_PY_CODES.rawValue, FDH_SECTION_MODULES.rawValue,
        FDH_SECTION_STRINGS.rawValue,
    ]

    /// A consistent copy of the trace at `path`, validated. Throws `TraceError` if it is not a regular
    /// file, cannot be read, or is not a valid trace.
    ///
    /// The copy lives in anonymous memory and only the file's data extents are copied (the holes of a
    /// sparse trace stay untouched zero pages), so it costs what the process recorded, not the size of its
    /// file. Event slots are copied like the seqlock reader reads them (fdh_event_read): each chunk of the
    /// log is read three times — commit words, the copy, commit words again — and a slot whose word changed,
    /// or was BUSY, is left unpublished in the copy: the ring (format version 2) reuses slots, so a writer
    /// may be overwriting one while it is read.
    public static func load(path: String) throws -> TraceFile {
        try TraceFile(storage: copy(path: path), path: path)
    }

    static func copy(path: String) throws -> TraceBytes {
        var status = stat()
        guard stat(path, &status) == 0 else { throw TraceError(path: path, problem: String(cString: strerror(errno)).lowercased()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw TraceError(path: path, problem: "not a regular file") }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw TraceError(path: path, problem: String(cString: strerror(errno)).lowercased()) }
        defer { close(fd) }

        let headerSize = MemoryLayout<fdh_header>.size
        let first = try pread(fd, offset: 0, count: headerSize, path: path)
        guard first.count == headerSize else {
            throw TraceError(path: path, problem: "truncated: \(first.count) bytes is smaller than the \(headerSize)-byte header")
        }
        let header = first.withUnsafeBytes { $0.loadUnaligned(as: fdh_header.self) }
        guard Array(first[0..<8]) == Array(FDH_MAGIC_STRING.utf8) else {
            throw TraceError(path: path, problem: "does not look like an fdhound trace (no FDHTRACE magic)")
        }
        // Bounded by what is on disk: a corrupt file_size must not make us map terabytes.
        let size = max(Int(clamping: min(header.file_size, UInt64(max(status.st_size, 0)))), headerSize)
        let extents = TraceBytes.extents(of: fd, size: size)
        let storage: TraceBytes
        do {
            storage = try TraceBytes(anonymous: size, dataExtents: extents)
        } catch {
            throw TraceError(path: path, problem: "cannot copy: \(error.message)")
        }
        guard let destination = storage.mutableBase else { return storage }
        var sections = [fdh_section]()
        var raw = header.sections
        withUnsafeBytes(of: &raw) { buffer in
            for index in 0..<min(Int(header.section_count), Int(FDH_MAX_SECTIONS)) {
                sections.append(buffer.loadUnaligned(fromByteOffset: index * MemoryLayout<fdh_section>.size,
                                                     as: fdh_section.self))
            }
        }
        let known = order.compactMap { type in sections.first { $0.type == type } }
        let unknown = sections.filter { !order.contains($0.type) && $0.type != FDH_SECTION_STRING_INDEX.rawValue }
        // Unknown (newer) sections may refer to anything: read them with the referrers.
        for section in unknown + known {
            let (length, overflow) = section.capacity.multipliedReportingOverflow(by: UInt64(section.entry_size))
            guard !overflow, section.offset < UInt64(size) else { continue } // TraceFile reports the bad directory
            let start = Int(section.offset)
            let end = start + Int(min(length, UInt64(size) - section.offset))
            for range in dataRanges(start..<end, extents: extents) {
                if section.type == FDH_SECTION_EVENTS.rawValue && section.entry_size >= 4 {
                    try copyEvents(fd, range: range, section: section, into: destination, path: path)
                } else {
                    try copy(fd, range: range, into: destination, path: path)
                }
            }
            if section.type == FDH_SECTION_LIVE_FDS.rawValue {
                try settleLiveSlots(fd, section: section, end: end, in: destination, path: path)
            }
        }
        try copy(fd, range: 0..<headerSize, into: destination, path: path)
        return storage
    }

    /// Writes the copy `trace` (from `load`) to `destination` (created 0600, never over an existing file),
    /// leaving all-zero pages as holes, as the shim's own trace is sparse.
    public static func write(_ trace: TraceFile, to destination: String) throws {
        let storage = trace.storage
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw TraceError(path: destination, problem: "cannot create: " + String(cString: strerror(errno)).lowercased())
        }
        defer { close(fd) }
        let page = 4096
        if let base = storage.base {
            for range in dataRanges(0..<storage.count, extents: storage.extents) {
                var offset = range.lowerBound
                while offset < range.upperBound {
                    let end = min((offset / page + 1) * page, range.upperBound)
                    let chunk = UnsafeRawBufferPointer(start: base + offset, count: end - offset)
                    if chunk.contains(where: { $0 != 0 }) {
                        var written = 0
                        while written < chunk.count {
                            let n = Foundation.pwrite(fd, chunk.baseAddress! + written, chunk.count - written, off_t(offset + written))
                            if n < 0 && errno == EINTR { continue }
                            guard n > 0 else {
                                throw TraceError(path: destination, problem: "cannot write: " + String(cString: strerror(errno)).lowercased())
                            }
                            written += n
                        }
                    }
                    offset = end
                }
            }
        }
        guard ftruncate(fd, off_t(storage.count)) == 0 else {
            throw TraceError(path: destination, problem: "cannot size: " + String(cString: strerror(errno)).lowercased())
        }
    }

    /// The parts of `range` that hold data (all of it when the extents are unknown).
    private static func dataRanges(_ range: Range<Int>, extents: [(start: Int, end: Int)]?) -> [Range<Int>] {
        guard let extents else { return [range] }
        return extents.compactMap { extent in
            let lower = max(extent.start, range.lowerBound), upper = min(extent.end, range.upperBound)
            return lower < upper ? lower..<upper : nil
        }
    }

    /// Reads `range` of the file into the same offsets of `destination` (a short read leaves zeros).
    private static func copy(_ fd: Int32, range: Range<Int>, into destination: UnsafeMutableRawPointer, path: String) throws {
        var done = 0
        let count = range.count
        while done < count {
            let got = Foundation.pread(fd, destination + range.lowerBound + done, count - done, off_t(range.lowerBound + done))
            if got < 0 {
                if errno == EINTR { continue }
                throw TraceError(path: path, problem: "cannot read: " + String(cString: strerror(errno)).lowercased())
            }
            if got == 0 { break } // shorter than announced: the directory check in TraceFile names the problem
            done += got
        }
    }

    /// Copies the event slots of `range` in chunks, each read between two reads of its commit words; a
    /// slot whose word differs between the three reads, or is BUSY, gets commit word 0 (unpublished).
    private static func copyEvents(_ fd: Int32, range: Range<Int>, section: fdh_section,
                                   into destination: UnsafeMutableRawPointer, path: String) throws {
        let stride = Int(section.entry_size)
        let base = Int(section.offset)
        // Whole slots only: a range starts and ends on page boundaries, which need not be slot boundaries.
        let firstSlot = (range.lowerBound - base + stride - 1) / stride
        let endSlot = (range.upperBound - base) / stride
        if range.lowerBound < base + firstSlot * stride {
            try copy(fd, range: range.lowerBound..<min(range.upperBound, base + firstSlot * stride), into: destination, path: path)
        }
        let chunkSlots = max(1, (1 << 20) / stride)
        var slot = firstSlot
        while slot < endSlot {
            let count = min(chunkSlots, endSlot - slot)
            let chunk = (base + slot * stride)..<(base + (slot + count) * stride)
            let before = try pread(fd, offset: chunk.lowerBound, count: chunk.count, path: path)
            try copy(fd, range: chunk, into: destination, path: path)
            let after = try pread(fd, offset: chunk.lowerBound, count: chunk.count, path: path)
            for index in 0..<count {
                let offset = index * stride
                let copied = (destination + chunk.lowerBound + offset).loadUnaligned(as: UInt32.self)
                let word1 = offset + 4 <= before.count ? before.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) } : 0
                let word2 = offset + 4 <= after.count ? after.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) } : 0
                if copied != word1 || copied != word2 || copied == FDH_EVENT_BUSY.rawValue {
                    (destination + chunk.lowerBound + offset).storeBytes(of: UInt32(0), as: UInt32.self)
                }
            }
            slot += count
        }
        let tail = base + max(endSlot, firstSlot) * stride
        if tail < range.upperBound { try copy(fd, range: tail..<range.upperBound, into: destination, path: path) }
    }

    /// Re-reads live slots whose seqlock version was odd (a writer inside) until they are stable; a slot
    /// still busy after that stays as read (the reader skips it with a warning).
    private static func settleLiveSlots(_ fd: Int32, section: fdh_section, end: Int,
                                        in destination: UnsafeMutableRawPointer, path: String) throws {
        let stride = Int(section.entry_size)
        let base = Int(section.offset)
        var index = 0
        while base + (index + 1) * stride <= end && index < Int(section.capacity) {
            let offset = base + index * stride
            let version = (destination + offset).loadUnaligned(as: UInt32.self)
            if version % 2 == 1 {
                for _ in 0..<1000 {
                    let slot = try pread(fd, offset: offset, count: stride, path: path)
                    let before = slot.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                    let again = try pread(fd, offset: offset, count: 4, path: path)
                    let after = again.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                    if before % 2 == 0 && before == after && slot.count == stride {
                        slot.withUnsafeBytes { (destination + offset).copyMemory(from: $0.baseAddress!, byteCount: stride) }
                        break
                    }
                    usleep(100)
                }
            }
            index += 1
        }
    }

    private static func pread(_ fd: Int32, offset: Int, count: Int, path: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { Foundation.pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw TraceError(path: path, problem: "cannot read: " + String(cString: strerror(errno)).lowercased())
            }
            if got == 0 { break } // shorter than announced: the directory check in TraceFile names the problem
            done += got
        }
        return Array(buffer[0..<done])
    }
}
