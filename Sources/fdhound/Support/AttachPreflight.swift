// Checks, before gdb is started, what would keep `fdhound attach`/`detach` from reaching a process, so the
// user gets the reason in one sentence instead of gdb's output: no such process, gdb missing, a static
// binary, another tracer already attached, another user's process, Yama's ptrace_scope, a missing
// CAP_SYS_PTRACE. Everything here reads /proc; nothing touches the target.
import Foundation

enum AttachPreflight {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// CAP_SYS_PTRACE's bit in the capability sets of /proc/PID/status.
    private static let capSysPtrace: UInt64 = 1 << 19

    /// The gdb executable, or a refusal that says how to get one.
    static func gdb() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["FDHOUND_GDB"], !explicit.isEmpty { return explicit }
        guard let path = ExecutableInspector.resolve("gdb") else {
            throw Refusal(description: "gdb is not installed; fdhound attaches through it (Debian: apt-get install gdb)")
        }
        return path
    }

    /// Throws the reason `pid` cannot be ptraced by this process, if one can be told from /proc.
    static func check(pid: Int) throws {
        let proc = "/proc/\(pid)"
        guard FileManager.default.fileExists(atPath: proc) else { throw Refusal(description: "no process \(pid)") }
        guard let status = try? String(contentsOfFile: "\(proc)/status", encoding: .utf8) else {
            throw Refusal(description: "cannot read \(proc)/status")
        }
        let fields = Self.fields(status)
        if let tracer = fields["TracerPid"].flatMap({ Int($0) }), tracer != 0 {
            let name = (try? String(contentsOfFile: "/proc/\(tracer)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            throw Refusal(description: "process \(pid) is already being traced by pid \(tracer) (\(name)): "
                + "a process can have one tracer at a time; detach the debugger or strace first")
        }
        let targetUID = fields["Uid"]?.split(separator: "\t").first.flatMap { Int($0) }
        let ownCapabilities = Self.fields((try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? "")["CapEff"]
            .flatMap { UInt64($0, radix: 16) } ?? 0
        let mayPtraceAnyone = ownCapabilities & capSysPtrace != 0
        if let targetUID, targetUID != Int(geteuid()), !mayPtraceAnyone {
            throw Refusal(description: "process \(pid) belongs to user \(targetUID); run fdhound attach as that user or as root")
        }
        if let scopeText = try? String(contentsOfFile: "/proc/sys/kernel/yama/ptrace_scope", encoding: .utf8),
           let scope = Int(scopeText.trimmingCharacters(in: .whitespacesAndNewlines)) {
            switch scope {
            case 3:
                throw Refusal(description: "ptrace is disabled on this machine (kernel.yama.ptrace_scope = 3, "
                    + "which only a reboot can undo): attaching is impossible; start the program under `fdhound run` instead")
            case 2 where !mayPtraceAnyone:
                throw Refusal(description: "ptrace is restricted to administrators (kernel.yama.ptrace_scope = 2): run fdhound attach as root")
            case 1 where !mayPtraceAnyone:
                throw Refusal(description: "ptrace is restricted to a process's parent (kernel.yama.ptrace_scope = 1): run "
                    + "fdhound attach as root, or allow it with `sudo sysctl kernel.yama.ptrace_scope=0`")
            default:
                break
            }
        }
        if ExecutableInspector.inspect("\(proc)/exe") == .staticExecutable {
            throw Refusal(description: "process \(pid) runs a statically linked program: it has no dynamic loader to load fdhound's shim into")
        }
    }

    /// What gdb's output says went wrong, as one sentence; nil if it names nothing known.
    static func explain(gdbOutput output: String, pid: Int) -> String? {
        if output.contains("ptrace: Operation not permitted") {
            return "the kernel refused to let gdb ptrace process \(pid) (EPERM): in a container, ptrace needs "
                + "CAP_SYS_PTRACE and a seccomp profile that allows it (docker run --cap-add=SYS_PTRACE); "
                + "otherwise check kernel.yama.ptrace_scope and the process's owner"
        }
        if output.contains("ptrace: No such process") { return "no process \(pid) (it exited?)" }
        if output.contains("No symbol \"dlopen\"") || output.contains("No symbol table is loaded") {
            return "process \(pid) has no dlopen to call (a static binary, or a libc without dlopen)"
        }
        return nil
    }

    /// "Key:\tvalue" lines of a /proc status file.
    private static func fields(_ text: String) -> [String: String] {
        var result = [String: String]()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            result[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}
