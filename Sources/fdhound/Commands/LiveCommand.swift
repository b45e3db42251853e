// `fdhound live PID [--traces DIR]`: for an operator watching a service creep toward its descriptor limit.
// Shows the process's open descriptors against RLIMIT_NOFILE, and, when it runs under fdhound, the code
// paths holding them right now — refreshed every interval until Ctrl-C, or once with --once.
import ArgumentParser
import FDHoundCore
import Foundation

struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Watch a running process's descriptors, and the code paths holding them when it runs under fdhound."
    )

    @Argument(help: "The process id.")
    var pid: Int

    @Option(name: .shortAndLong, help: "The trace directory it was started with (fdhound run -o DIR).")
    var traces: String?

    @Option(help: "Seconds between refreshes.")
    var interval: Double = 2

    @Flag(help: "Print one snapshot and exit.")
    var once = false

    mutating func validate() throws {
        guard pid > 0 else { throw ValidationError("PID must be positive") }
        guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 s") }
    }

    func run() throws {
        var options = ReportOptions()
        options.maxFrames = 4
        repeat {
            let snapshot: LiveSnapshot
            do {
                snapshot = try LiveProcess.snapshot(pid: pid, traceDirectory: traces, options: options)
            } catch {
                printError("\(error)") // no such process, /proc not readable, or its trace unreadable
                throw FDHoundExit.cannotTrace
            }
            if !once { print("\u{1B}[H\u{1B}[2J", terminator: "") } // clear the terminal between snapshots
            print(LiveRenderer.render(snapshot), terminator: "")
            if !once { Thread.sleep(forTimeInterval: interval) }
        } while !once
    }
}
