// Finds the trace a running process is writing, from its memory map: the shim maps its trace MAP_SHARED
// for the whole life of the process, so /proc/PID/maps names it (`fdhound.<pid>[.<n>].trace`). Reading the
// map needs no ptrace, no signal and does not pause the process; it does need the right to read /proc/PID
// (same user, or root).
import Foundation

/// Why a process's trace could not be found.
public struct ProcessTraceError: Error, CustomStringConvertible {
    public enum Reason: Sendable { case noProcess, notReadable, notTraced }
    public let reason: Reason
    public let description: String
}

public enum ProcessTraceLocator {
    /// The path to read the trace of `pid` from: the mapped file, or (when it was deleted or renamed since)
    /// its /proc/PID/map_files entry. A process maps its own trace only; after an exec the new image maps
    /// the next one (`.1.trace`), after a fork the child unmaps its parent's, so there is one at most.
    public static func trace(of pid: Int) throws -> String {
        let proc = "/proc/\(pid)"
        guard FileManager.default.fileExists(atPath: proc) else {
            throw ProcessTraceError(reason: .noProcess, description: "no process \(pid)")
        }
        guard let maps = FileManager.default.contents(atPath: "\(proc)/maps") else {
            throw ProcessTraceError(reason: .notReadable,
                                    description: "cannot read \(proc)/maps (another user's process? run as its user or root)")
        }
        let text = String(decoding: maps, as: UTF8.self)
        guard let found = traceMapping(in: text) else {
            throw ProcessTraceError(reason: .notTraced, description: "process \(pid) is not being traced by fdhound "
                + "(no fdhound.*.trace in its memory map): start it with `fdhound run`, or `fdhound attach \(pid)`")
        }
        if found.deleted {
            let entry = "\(proc)/map_files/\(found.range)"
            if FileManager.default.isReadableFile(atPath: entry) { return entry }
            throw ProcessTraceError(reason: .notReadable, description: "the trace of process \(pid) (\(found.path)) "
                + "was deleted; its mapping can only be read as root (\(entry))")
        }
        return found.path
    }

    /// The trace mapping in the text of a /proc/PID/maps file: its path, address range and whether the
    /// file was deleted.
    /// With several (attached, detached, attached again: each attach writes the next `.<n>.trace`), the
    /// newest: the highest n.
    static func traceMapping(in maps: String) -> (path: String, range: String, deleted: Bool)? {
        var found = [(path: String, range: String, deleted: Bool)]()
        for line in maps.split(separator: "\n") {
            // "start-end perms offset dev inode      path": the path is everything after the fifth field.
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6 else { continue }
            var path = fields[5].trimmingCharacters(in: .whitespaces)
            var deleted = false
            if path.hasSuffix(" (deleted)") {
                path.removeLast(" (deleted)".count)
                deleted = true
            }
            guard fields[1].contains("s"), isTraceName((path as NSString).lastPathComponent) else { continue }
            found.append((path, String(fields[0]), deleted))
        }
        return found.max { generation($0.path) < generation($1.path) }
    }

    /// n of `fdhound.<pid>.<n>.trace`; 0 for `fdhound.<pid>.trace`.
    private static func generation(_ path: String) -> Int {
        let parts = (path as NSString).lastPathComponent.split(separator: ".")
        return parts.count == 4 ? Int(parts[2]) ?? 0 : 0
    }

    /// `fdhound.<pid>.trace` or `fdhound.<pid>.<n>.trace`.
    static func isTraceName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.first == "fdhound", parts.last == "trace", parts.count == 3 || parts.count == 4 else { return false }
        return parts[1..<(parts.count - 1)].allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    /// The trace of `pid`, read consistently while it runs (RunningTraceCopy) and validated.
    public static func load(pid: Int) throws -> TraceFile {
        let path = try trace(of: pid)
        return try RunningTraceCopy.load(path: path)
    }
}
