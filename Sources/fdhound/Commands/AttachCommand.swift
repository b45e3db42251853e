// `fdhound attach PID [-o DIR] [--for SECONDS]`: start recording in a process that was not started under
// fdhound. gdb loads the shim into it (dlopen) and calls fdhound_attach(DIR) (shim/src/attach.c); from then
// on its descriptor calls are recorded into DIR/fdhound.PID.trace, and the descriptors already open are
// listed as "open before attach". With --for, fdhound waits and detaches again (the shim has no thread of
// its own to do it); Ctrl-C during the wait detaches at once.
import ArgumentParser
import FDHoundCore
import Foundation

struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Start recording in a running process (through gdb), without restarting it.",
        discussion: """
            Needs gdb and the right to ptrace the process (same user or root; kernel.yama.ptrace_scope; in a
            container CAP_SYS_PTRACE). Then: `fdhound report --pid PID`, `fdhound live PID`, `fdhound detach PID`.
            Exit status: 0 recording (or already recording), 69 when the process cannot be attached to.
            """
    )

    @Argument(help: "The process id.")
    var pid: Int

    @Option(name: .shortAndLong, help: "Directory for the trace (default: a new private directory under $TMPDIR).")
    var output: String?

    @Option(name: .customLong("for"), help: "Detach after this many seconds (default: record until `fdhound detach`).")
    var duration: Double?

    @OptionGroup var alwaysOn: AlwaysOnOptions

    mutating func validate() throws {
        guard pid > 0 else { throw ValidationError("PID must be positive") }
        if let duration, !(duration > 0) { throw ValidationError("--for must be a positive number of seconds") }
    }

    func run() throws {
        let gdb: String
        do {
            gdb = try AttachPreflight.gdb()
            try AttachPreflight.check(pid: pid)
        } catch {
            printError("cannot attach: \(error)")
            throw FDHoundExit.cannotTrace
        }
        guard let shimPath = ShimLocator.shimPath() else {
            printError("cannot find libfdhound.so (set FDHOUND_SHIM, or build it with tools/build)")
            throw FDHoundExit.cannotTrace
        }
        let shim = URL(fileURLWithPath: shimPath).standardizedFileURL.path
        let directory: String
        do {
            directory = try AttachDirectory.prepare(output, pid: pid)
        } catch {
            printError("\(error)")
            throw FDHoundExit.cannotTrace
        }
        guard let shimLiteral = DebuggerCall.literal(shim), let directoryLiteral = DebuggerCall.literal(directory) else {
            printError("cannot attach: the shim or output path contains a line break")
            throw FDHoundExit.cannotTrace
        }
        // Settings reach the target through the call (its environment is its own): fdhound_attach_with.
        var attachCall = "(int)fdhound_attach(\(directoryLiteral))"
        if let sampling = alwaysOn.settings {
            let settings = sampling.map { "\($0)=\($1)" }
            guard let settingsLiteral = DebuggerCall.literal(settings.joined(separator: " ")) else { throw FDHoundExit.cannotTrace }
            attachCall = "(int)fdhound_attach_with(\(directoryLiteral), \(settingsLiteral))"
        }
        let answer: (values: [String: String], output: String)
        do {
            answer = try DebuggerCall(gdb: gdb, pid: pid).run([
                ("dlopen", "%p", "(void*)dlopen(\(shimLiteral), 2)"),
                ("dlerror", "%s", "(char*)dlerror()"),
                ("attach", "%d", attachCall),
                ("error", "%s", "(char*)fdhound_attach_error()"),
            ])
        } catch {
            printError("cannot attach: \(error)")
            throw FDHoundExit.cannotTrace
        }
        switch answer.values["attach"] {
        case "0":
            let trace = (try? ProcessTraceLocator.trace(of: pid)) ?? directory
            printError("attached to process \(pid): recording into \(trace)")
            printError("look at it with `fdhound report --pid \(pid)` or `fdhound live \(pid)`; stop with `fdhound detach \(pid)`")
        case "1":
            let trace = (try? ProcessTraceLocator.trace(of: pid)).map { " into \($0)" } ?? ""
            printError("process \(pid) is already recording\(trace) (started under fdhound, or attached before)")
            return
        case "-1":
            printError("cannot attach: the shim refused: \(answer.values["error"] ?? "no reason given")")
            throw FDHoundExit.cannotTrace
        default:
            let reason = AttachPreflight.explain(gdbOutput: answer.output, pid: pid)
                ?? (answer.values["dlopen"].map { $0 == "(nil)" || $0 == "0x0" } == true
                    ? "dlopen of \(shim) failed in the process: \(answer.values["dlerror"] ?? "no reason given")"
                    : "gdb could not call into the process:\n" + Self.tail(answer.output))
            printError("cannot attach: \(reason)")
            throw FDHoundExit.cannotTrace
        }
        guard let duration else { return }
        try DetachCommand.waitThenDetach(pid: pid, seconds: duration, gdb: gdb)
    }

    /// The last lines of gdb's output, for a failure nothing above explains.
    static func tail(_ output: String) -> String {
        output.split(separator: "\n").suffix(6).map { "  " + $0 }.joined(separator: "\n")
    }
}

/// The directory an attached process writes its trace into: absolute (the target's working directory is not
/// ours), created if needed, and — when fdhound runs as root for another user's process — handed to that
/// user, since the process itself creates the file.
enum AttachDirectory {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func prepare(_ requested: String?, pid: Int) throws -> String {
        let path: String
        var created = false
        if let requested {
            path = URL(fileURLWithPath: requested).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                do {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                } catch {
                    throw Failure(description: "cannot create output directory \(path): \(error.localizedDescription)")
                }
                created = true
            } else if !isDirectory.boolValue {
                throw Failure(description: "\(path) is not a directory")
            }
        } else {
            let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("fdhound-attach-\(pid)-XXXXXX")
            var template = Array(base.utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw Failure(description: "cannot create a directory under \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))")
            }
            path = String(cString: made)
            created = true
        }
        if created, geteuid() == 0, let owner = ownerUID(of: pid), owner != 0 {
            _ = chown(path, uid_t(owner), gid_t(-1 as Int32))
        }
        return path
    }

    private static func ownerUID(of pid: Int) -> Int? {
        var status = stat()
        guard stat("/proc/\(pid)", &status) == 0 else { return nil }
        return Int(status.st_uid)
    }
}
