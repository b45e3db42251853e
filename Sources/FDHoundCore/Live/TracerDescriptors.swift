// Which descriptors of a traced process are the shim's own, as /proc shows them. The shim holds none
// except libunwind's validation pipe, which it parks just under RLIMIT_NOFILE (shim/src/stack_capture.c:
// F_DUPFD_CLOEXEC from min(soft limit, 2^20) - 8 up). The trace does not record those numbers (format
// version 7), so they are recognised by everything that must hold for them, together: the two ends of one
// pipe (same inode), both at or above that base and below the soft limit the trace recorded at start,
// both close-on-exec, and neither open in the trace's live table (the program's own view). A program's
// own pipe would have to match all of that to be hidden; a trace field naming the parked numbers would
// make this exact (see the report of the change that added this file).
import Foundation

enum TracerDescriptors {
    /// The parked pipe's two numbers among `targets` (descriptor → /proc/PID/fd link text), or empty.
    static func parkedPipe(targets: [Int: String], closeOnExec: (Int) -> Bool, trace: TraceFile) -> Set<Int> {
        let soft = trace.header.rlimitSoft
        guard soft >= 256 else { return [] } // the shim parks only with a soft limit of at least 256
        let top = min(soft, 1 << 20)
        let base = Int(top - 8)
        let programOpen = Set(trace.liveDescriptors.filter { $0.state == .open }.map { Int($0.fd) })
        var byPipe = [String: [Int]]()
        for (fd, target) in targets where fd >= base && UInt64(fd) < top && target.hasPrefix("pipe:[") {
            guard !programOpen.contains(fd), closeOnExec(fd) else { continue }
            byPipe[target, default: []].append(fd)
        }
        let pairs = byPipe.values.filter { $0.count == 2 }
        return pairs.count == 1 ? Set(pairs[0]) : [] // ambiguous: hide nothing
    }

    /// True if /proc/PID/fdinfo/FD says the descriptor is close-on-exec (O_CLOEXEC in its octal flags).
    static func closeOnExec(proc: String, fd: Int) -> Bool {
        guard let text = try? String(contentsOfFile: "\(proc)/fdinfo/\(fd)", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
              let flags = Int(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8) else {
            return false
        }
        return flags & Int(O_CLOEXEC) != 0
    }
}
