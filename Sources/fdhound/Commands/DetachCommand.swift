// `fdhound detach PID`: stop recording in a process `fdhound attach` started recording in. gdb calls the
// shim's fdhound_detach(): every patched GOT slot gets its original back, the descriptors open now are
// recorded, and the trace is marked DETACHED. The process runs on; the trace stays readable.
import ArgumentParser
import FDHoundCore
import Foundation

struct DetachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach",
        abstract: "Stop recording in a process fdhound attached to; it keeps running.",
        discussion: "Exit status: 0 detached, 69 when the process cannot be reached or was not attached to."
    )

    @Argument(help: "The process id.")
    var pid: Int

    mutating func validate() throws {
        guard pid > 0 else { throw ValidationError("PID must be positive") }
    }

    func run() throws {
        do {
            let gdb = try AttachPreflight.gdb()
            try AttachPreflight.check(pid: pid)
            try Self.detach(pid: pid, gdb: gdb)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("cannot detach: \(error)")
            throw FDHoundExit.cannotTrace
        }
    }

    static func detach(pid: Int, gdb: String) throws {
        let maps = (try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)) ?? ""
        guard maps.contains("libfdhound.so") else {
            printError("cannot detach: process \(pid) has no fdhound shim loaded (it was never attached to)")
            throw FDHoundExit.cannotTrace
        }
        let trace = try? ProcessTraceLocator.trace(of: pid)
        let answer = try DebuggerCall(gdb: gdb, pid: pid).run([("detach", "%d", "(int)fdhound_detach()")])
        switch answer.values["detach"] {
        case "0":
            printError("detached from process \(pid); it keeps running" + (trace.map { ". Its trace: \($0) (fdhound report \($0))" } ?? ""))
        case "-1":
            printError("cannot detach: process \(pid) is not recording through an attach (started under `fdhound run`, it records until it exits; or it was detached already)")
            throw FDHoundExit.cannotTrace
        default:
            let reason = AttachPreflight.explain(gdbOutput: answer.output, pid: pid)
                ?? "gdb could not call into the process:\n" + AttachCommand.tail(answer.output)
            printError("cannot detach: \(reason)")
            throw FDHoundExit.cannotTrace
        }
    }

    /// `attach --for`: waits `seconds` (less if the process exits, or on Ctrl-C/SIGTERM), then detaches.
    static func waitThenDetach(pid: Int, seconds: Double, gdb: String) throws {
        let interrupted = InterruptFlag()
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { interrupted.set() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !interrupted.isSet {
            guard kill(pid_t(pid), 0) == 0 || errno == EPERM else {
                printError("process \(pid) has exited; nothing to detach")
                return
            }
            Thread.sleep(forTimeInterval: min(0.2, max(0, deadline.timeIntervalSinceNow)))
        }
        try detach(pid: pid, gdb: gdb)
    }
}

/// Set from a signal handler's dispatch source, read by the waiting loop.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
