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
/// caught mid-update (odd seqlock version) is read again until it is stable. What this does not give is a
/// single instant: records published while the copy was being made may or may not be in it (the live
/// table and the evidence count can differ by the calls made during the copy, a few milliseconds).
public enum RunningTraceCopy {
    /// Referrers first, referees after them; the string index (type 2) is the writer's own aid: not copied.
    static let order: [UInt32] = [
        FDH_SECTION_EVENTS.rawValue, FDH_SECTION_LIVE_FDS.rawValue, FDH_SECTION_CALL_SITES.rawValue,
        FDH_SECTION_EVIDENCE.rawValue, FDH_SECTION_DBUS.rawValue,
        FDH_SECTION_STACK_NODES.rawValue, FDH_SECTION_PY_CODES.rawValue, FDH_SECTION_MODULES.rawValue,
        FDH_SECTION_STRINGS.rawValue,
    ]

    /// The bytes of the trace at `path`, read in publication order. Throws `TraceError` if it is not a
    /// regular file, cannot be read, or does not start with a plausible header.
    public static func read(path: String) throws -> [UInt8] {
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
        // Bounded by what is on disk: a corrupt file_size must not make us allocate terabytes.
        let size = Int(clamping: min(header.file_size, UInt64(max(status.st_size, 0))))
        var bytes = [UInt8](repeating: 0, count: max(size, headerSize))
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
            let count = Int(min(length, UInt64(size) - section.offset))
            let chunk = try pread(fd, offset: Int(section.offset), count: count, path: path)
            bytes.replaceSubrange(Int(section.offset)..<(Int(section.offset) + chunk.count), with: chunk)
            if section.type == FDH_SECTION_LIVE_FDS.rawValue {
                try settleLiveSlots(fd, section: section, into: &bytes, path: path)
            }
        }
        let last = try pread(fd, offset: 0, count: headerSize, path: path)
        bytes.replaceSubrange(0..<last.count, with: last)
        return bytes
    }

    /// Re-reads live slots whose seqlock version was odd (a writer inside) until they are stable; a slot
    /// still busy after that stays as read (the reader skips it with a warning).
    private static func settleLiveSlots(_ fd: Int32, section: fdh_section, into bytes: inout [UInt8],
                                        path: String) throws {
        let stride = Int(section.entry_size)
        let base = Int(section.offset)
        var index = 0
        while base + (index + 1) * stride <= bytes.count && index < Int(section.capacity) {
            let offset = base + index * stride
            let version = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
            if version % 2 == 1 {
                for _ in 0..<1000 {
                    let slot = try pread(fd, offset: offset, count: stride, path: path)
                    let before = slot.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                    let again = try pread(fd, offset: offset, count: 4, path: path)
                    let after = again.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                    if before % 2 == 0 && before == after && slot.count == stride {
                        bytes.replaceSubrange(offset..<(offset + stride), with: slot)
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

    /// Writes `bytes` to `destination` (created 0600, never over an existing file), leaving all-zero pages
    /// as holes, as the shim's own trace is sparse.
    public static func write(_ bytes: [UInt8], to destination: String) throws {
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw TraceError(path: destination, problem: "cannot create: " + String(cString: strerror(errno)).lowercased())
        }
        defer { close(fd) }
        let page = 4096
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let end = min(offset + page, buffer.count)
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[offset..<end])
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
        guard ftruncate(fd, off_t(bytes.count)) == 0 else {
            throw TraceError(path: destination, problem: "cannot size: " + String(cString: strerror(errno)).lowercased())
        }
    }
}
