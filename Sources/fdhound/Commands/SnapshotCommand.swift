// `fdhound snapshot PID -o FILE`: save a consistent copy of a running process's trace (RunningTraceCopy:
// read in the format's publication order, without stopping the process), for `report` and `diff` later.
import ArgumentParser
import FDHoundCore
import Foundation

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save a consistent copy of a running process's trace, for `report` and `diff` later.",
        discussion: """
            The trace is found from the process's memory map and read while it runs: no ptrace, no signal, no
            pause. Every record in the copy is complete and everything it refers to is in it; records written
            during the copy (milliseconds) may or may not be. The copy's process state reads running.
            Exit status: 0 saved, 69 no such process or not traced, 65 the trace is unreadable, 73 FILE exists
            or cannot be written.
            """
    )

    @Argument(help: "The process id.")
    var pid: Int

    @Option(name: .shortAndLong, help: "The file to write (must not exist; name it *.trace).")
    var output: String

    mutating func validate() throws {
        guard pid > 0 else { throw ValidationError("PID must be positive") }
    }

    func run() throws {
        let source: String
        do {
            source = try ProcessTraceLocator.trace(of: pid)
        } catch {
            printError("\(error)")
            throw FDHoundExit.cannotTrace
        }
        let trace: TraceFile
        do {
            trace = try RunningTraceCopy.load(path: source)
        } catch {
            printError("\(error)")
            throw FDHoundExit.unreadableTrace
        }
        do {
            try RunningTraceCopy.write(trace, to: output)
        } catch {
            printError("\(error)")
            throw ExitCode(73) // EX_CANTCREAT
        }
        printError("saved the trace of process \(pid) (\(trace.liveDescriptors.count) descriptors open, "
            + "\(trace.header.eventsNext) events) to \(output): fdhound report \(output)")
    }
}
