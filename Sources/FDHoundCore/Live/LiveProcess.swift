// What `fdhound live PID` shows about a running process: its descriptor count against RLIMIT_NOFILE from
// /proc, and — when it runs under fdhound (its trace is found in the trace directory) — the code paths
// holding its descriptors right now, read from the live trace (the shim's tables are exact at any moment).
import Foundation

public struct LiveSnapshot {
    public var pid: Int
    public var command: String
    public var openDescriptors: Int
    public var softLimit: Int?
    public var hardLimit: Int?
    /// Descriptors per kind, from /proc/PID/fd link text ("socket", "pipe", "[eventfd]"…), most first.
    public var byKind: [(kind: String, count: Int)]
    /// The trace of the process, when it runs under fdhound; nil otherwise.
    public var traceFile: String? = nil
    /// Code paths holding descriptors now (from the trace), most first.
    public var report: Report? = nil
    /// The shim's own descriptors (libunwind's parked pipe), left out of `openDescriptors` and `byKind`.
    public var tracerDescriptors: [Int] = []
}

public struct LiveError: Error, CustomStringConvertible {
    public let description: String
}

public enum LiveProcess {
    /// Reads /proc/PID and, if `traceDirectory` holds this process's running trace, its report.
    public static func snapshot(pid: Int, traceDirectory: String?, options: ReportOptions) throws -> LiveSnapshot {
        let proc = "/proc/\(pid)"
        guard FileManager.default.fileExists(atPath: proc) else { throw LiveError(description: "no process \(pid)") }
        let argv = FileManager.default.contents(atPath: "\(proc)/cmdline").map { [UInt8]($0) } ?? []
        let command = argv.split(separator: 0).map { RawBytesText.decode($0) }.joined(separator: " ")
        var traceFile: String?, report: Report?, parked: TraceFile?
        if let traceDirectory, let file = runningTrace(of: pid, in: traceDirectory) {
            traceFile = file
            report = try ReportBuilder.build(tracePath: file, options: options)
            parked = try? TraceFile(path: file)
        } else if traceDirectory == nil, (try? ProcessTraceLocator.trace(of: pid)) != nil {
            // Found from its memory map (run under fdhound, or attached to): read while it runs.
            let trace = try ProcessTraceLocator.load(pid: pid)
            traceFile = trace.path
            report = ReportBuilder.build(traces: [trace], tracePath: trace.path, options: options)
            parked = trace
        }
        let held = try descriptors(pid: pid, trace: parked)
        var kinds = [String: Int]()
        for (_, target) in held.targets {
            kinds[kindName(target), default: 0] += 1
        }
        var snapshot = LiveSnapshot(
            pid: pid, command: command, openDescriptors: held.targets.count, softLimit: held.softLimit, hardLimit: held.hardLimit,
            byKind: kinds.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) })
        snapshot.traceFile = traceFile
        snapshot.report = report
        snapshot.tracerDescriptors = held.tracerDescriptors
        return snapshot
    }

    /// The program's descriptors of a process, from /proc/PID/fd.
    public struct Descriptors {
        /// Descriptor number → link text ("socket:[123]", "/etc/hosts"…), the shim's parked pipe left out.
        public var targets: [Int: String]
        /// The shim's own descriptors (libunwind's parked pipe), found when `trace` was given.
        public var tracerDescriptors: [Int]
        public var softLimit: Int?
        public var hardLimit: Int?
    }

    /// Lists /proc/PID/fd and reads the limits; with the process's running `trace`, the shim's parked
    /// libunwind pipe is recognised and left out (it is not the program's). Also used by `fdhound metrics`.
    public static func descriptors(pid: Int, trace: TraceFile?) throws -> Descriptors {
        let proc = "/proc/\(pid)"
        let fds: [String]
        do {
            fds = try FileManager.default.contentsOfDirectory(atPath: "\(proc)/fd")
        } catch {
            guard FileManager.default.fileExists(atPath: proc) else { throw LiveError(description: "no process \(pid)") }
            throw LiveError(description: "cannot list \(proc)/fd (another user's process? run as its user or root)")
        }
        var targets = [Int: String]()
        for fd in fds {
            targets[Int(fd) ?? -1] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/fd/\(fd)")) ?? "?"
        }
        let (soft, hard) = limits(of: proc)
        var tracerFDs = Set<Int>()
        if let trace {
            tracerFDs = TracerDescriptors.parkedPipe(
                targets: targets, softLimit: soft,
                closeOnExec: { TracerDescriptors.closeOnExec(proc: proc, fd: $0) }, trace: trace)
        }
        for fd in tracerFDs { targets[fd] = nil }
        return Descriptors(targets: targets, tracerDescriptors: tracerFDs.sorted(), softLimit: soft, hardLimit: hard)
    }

    /// The newest trace of `pid` in `directory` that is still running (exec keeps the pid: .1, .2…).
    static func runningTrace(of pid: Int, in directory: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let candidates = names
            .filter { $0 == "fdhound.\(pid).trace" || ($0.hasPrefix("fdhound.\(pid).") && $0.hasSuffix(".trace")) }
            .map { (directory as NSString).appendingPathComponent($0) }
        return candidates.compactMap { path -> (String, UInt64)? in
            guard let trace = try? TraceFile(path: path), trace.header.processState == .running else { return nil }
            return (path, trace.header.startRealtimeNs)
        }.max { $0.1 < $1.1 }?.0
    }

    static func kindName(_ target: String) -> String {
        if target.hasPrefix("socket:") { return "socket" }
        if target.hasPrefix("pipe:") { return "pipe" }
        if target.hasPrefix("anon_inode:") { return String(target.dropFirst("anon_inode:".count)) }
        if target.hasPrefix("/dev/pts/") { return "pty" }
        return target.hasPrefix("/") ? "file" : target
    }

    /// "Max open files" from /proc/PID/limits; nil for unlimited.
    static func limits(of proc: String) -> (Int?, Int?) {
        guard let text = try? String(contentsOfFile: "\(proc)/limits", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else {
            return (nil, nil)
        }
        let fields = line.dropFirst("Max open files".count).split(separator: " ")
        return (fields.count > 0 ? Int(fields[0]) : nil, fields.count > 1 ? Int(fields[1]) : nil)
    }
}

public enum LiveRenderer {
    /// The screen `fdhound live` prints each interval.
    public static func render(_ snapshot: LiveSnapshot, maxPaths: Int = 10) -> String {
        var lines = ["fdhound live — pid \(snapshot.pid)  \(snapshot.command.prefix(100))"]
        var count = "\(snapshot.openDescriptors) descriptors open"
        if let soft = snapshot.softLimit {
            let share = Double(snapshot.openDescriptors) / Double(max(soft, 1)) * 100
            count += " of RLIMIT_NOFILE \(soft) (" + String(format: "%.0f", share) + "%)"
        }
        lines.append(count + ": " + snapshot.byKind.prefix(6).map { "\($0.count) \($0.kind)" }.joined(separator: ", ")
            + (snapshot.tracerDescriptors.isEmpty ? ""
                : "  (not counted: fdhound's own pipe, fds " + snapshot.tracerDescriptors.map(String.init).joined(separator: ", ") + ")"))
        guard let report = snapshot.report else {
            lines.append("Not running under fdhound (no trace in its memory map): `fdhound attach \(snapshot.pid)`, or start it "
                + "with `fdhound run`, to see the code paths holding them.")
            return VisibleEscapes.joinedLines(lines) + "\n"
        }
        lines.append("")
        lines.append(report.leaks.isEmpty ? "No descriptors held by traced code paths." : "Held now, by code path:")
        for leak in report.leaks.prefix(maxPaths) {
            var line = "\(leak.count) × \(leak.kind)  \(ReportWording.headline(leak))"
            if let opened = leak.openedAtSite { line += "  (opened \(opened), closed \(leak.closedAtSite ?? 0))" }
            lines.append("  " + line)
        }
        for group in report.growth.prefix(maxPaths) {
            lines.append("  rising: " + ReclaimWording.headline(group))
        }
        if let process = report.processes.first {
            let extra = EvidenceWording.processLines(process)
            if !extra.isEmpty { lines.append("") }
            lines += extra
        }
        return VisibleEscapes.joinedLines(lines) + "\n"
    }
}
