// Which descriptors of a traced process are the shim's own, as /proc shows them. The shim holds none
// except libunwind's validation pipe, which it parks at the two highest numbers the soft RLIMIT_NOFILE
// allows (shim/src/tracer_pipe.c: min(soft, 2^20) - 2 and - 1, soft limit at least 16; moved when the
// program raises its limit; given up for good when the program needs the numbers, header flag
// UNWINDER_YIELDED). The trace does not record those numbers, so they are recognised by everything that
// must hold for them, together: the two ends of one pipe at exactly those two numbers under the current
// soft limit, both close-on-exec, neither open in the trace's live table (the program's own view), and
// the pipe not given up. Anything else — or any doubt — hides nothing. Traces that name the parked numbers
// (header tracer_fd_read/write, -1 for none) are taken at their word; the inference is for older traces.
import CFDHoundTrace
import Foundation

enum TracerDescriptors {
    /// The smallest soft limit at which the shim parks the pipe (FDH_MIN_LIMIT_FOR_PARKING).
    static let minimumLimitForParking = 16

    /// The parked pipe's two numbers among `targets` (descriptor → /proc/PID/fd link text), or empty.
    /// `softLimit`: the process's current soft RLIMIT_NOFILE (nil: unlimited).
    static func parkedPipe(targets: [Int: String], softLimit: Int?, closeOnExec: (Int) -> Bool,
                           trace: TraceFile) -> Set<Int> {
        let named = [Int(trace.header.tracerFDRead), Int(trace.header.tracerFDWrite)]
        if named != [0, 0] { /* the shim says which (or -1: none) */
            return Set(named.filter { $0 > 0 && targets[$0]?.hasPrefix("pipe:[") == true })
        }
        guard !trace.header.flags.contains(.unwinderYielded) else { return [] }
        let top = min(softLimit ?? 1 << 20, 1 << 20)
        guard top >= minimumLimitForParking else { return [] }
        let pair = [top - 2, top - 1]
        guard let first = targets[pair[0]], first.hasPrefix("pipe:["), targets[pair[1]] == first else { return [] }
        let programOpen = Set(trace.liveDescriptors.filter { $0.state == .open }.map { Int($0.fd) })
        guard pair.allSatisfy({ !programOpen.contains($0) && closeOnExec($0) }) else { return [] }
        return Set(pair)
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
