// A cheap look at the evidence section of a trace being written, for `fdhound run`'s once-a-second check:
// reads only the header and section 11 (about 4 KB), never the whole file.
import CFDHoundTrace
import Foundation

public enum EvidencePeek {
    /// A published snapshot, without its code paths.
    public struct Moment: Hashable, Sendable {
        public let pid: Int
        /// "threshold", "emfile" or "enfile".
        public let trigger: String
        public let seconds: Double
        public let open: UInt64
        /// nil: unlimited.
        public let limit: UInt64?
        public let thresholdPermille: UInt32
    }

    /// The snapshots published in the trace at `path` so far; empty when it cannot be read (yet).
    public static func moments(path: String) -> [Moment] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return [] }
        var header = fdh_header()
        guard pread(fd, &header, MemoryLayout<fdh_header>.size, 0) == MemoryLayout<fdh_header>.size,
              withUnsafeBytes(of: header.magic, { Array($0) }) == Array(FDH_MAGIC_STRING.utf8) else { return [] }
        var sections = header.sections
        let evidenceSection: fdh_section? = withUnsafeBytes(of: &sections) { buffer in
            (0..<min(Int(header.section_count), Int(FDH_MAX_SECTIONS))).map {
                buffer.loadUnaligned(fromByteOffset: $0 * MemoryLayout<fdh_section>.size, as: fdh_section.self)
            }.first { $0.type == FDH_SECTION_EVIDENCE.rawValue }
        }
        guard let section = evidenceSection, section.entry_size >= MemoryLayout<fdh_evidence>.size,
              section.offset < UInt64(Int.max) else { return [] }
        var evidence = fdh_evidence()
        guard pread(fd, &evidence, MemoryLayout<fdh_evidence>.size, off_t(section.offset)) == MemoryLayout<fdh_evidence>.size else { return [] }
        var slots = evidence.snapshots
        return withUnsafeBytes(of: &slots) { buffer in
            (0..<Int(FDH_SNAPSHOT_SLOTS)).compactMap { index -> Moment? in
                let slot = buffer.loadUnaligned(fromByteOffset: index * MemoryLayout<fdh_snapshot>.size, as: fdh_snapshot.self)
                guard (1...3).contains(slot.trigger), Int(slot.trigger) == index + 1 else { return nil }
                return Moment(pid: Int(header.pid), trigger: ["threshold", "emfile", "enfile"][index],
                              seconds: Double(slot.time_ns / 1000) / 1_000_000, open: slot.live_count,
                              limit: slot.limit == UInt64.max ? nil : slot.limit,
                              thresholdPermille: evidence.threshold_permille)
            }
        }
    }

    /// The line `fdhound run` prints: "pid 42 reached 80 % of RLIMIT_NOFILE (819 of 1024) at 12.3 s".
    public static func sentence(_ moment: Moment) -> String {
        let limit = moment.limit.map(String.init) ?? "unlimited"
        let at = String(format: "%.1f", moment.seconds)
        switch moment.trigger {
        case "threshold":
            return "pid \(moment.pid) reached \(moment.thresholdPermille / 10) % of RLIMIT_NOFILE (\(moment.open) of \(limit)) at \(at) s"
        default:
            let what = moment.trigger == "emfile" ? "EMFILE (too many open files)" : "ENFILE (the system's file table is full)"
            return "pid \(moment.pid) hit \(what) at \(at) s, \(moment.open) open of \(limit)"
        }
    }
}
