// `fdhound live PID`: for an operator watching a service creep toward its descriptor limit. On a terminal, a
// top-like view refreshed in place (open vs RLIMIT_NOFILE, descriptors per second, the code paths holding
// them by count or by growth; keys c, g, q) until q, Ctrl-C or the process's exit. When stdout is not a
// terminal, or with --once, one plain snapshot (or --format json) — never screen-control codes into a pipe.
// The code paths come from the process's trace, found from its memory map (run under fdhound, or attached).
import ArgumentParser
import FDHoundCore
import Foundation

extension LiveSortKey: ExpressibleByArgument {}

struct LiveCommand: ParsableCommand {
    enum Format: String, CaseIterable, ExpressibleByArgument { case text, json }

    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Watch a running process's descriptors, and the code paths holding them when it is traced.",
        discussion: "Exit status: 0, or 69 when there is no such process or its /proc entry cannot be read."
    )

    @Argument(help: "The process id.")
    var pid: Int

    @Option(name: .shortAndLong, help: "The trace directory it was started with (default: found from its memory map).")
    var traces: String?

    @Option(help: "Seconds between refreshes.")
    var interval: Double = 2

    @Flag(help: "Print one snapshot and exit (also what happens when stdout is not a terminal).")
    var once = false

    @Option(name: .shortAndLong, help: "Format of a one-time snapshot: text, json.")
    var format: Format = .text

    @Option(help: "Order of the code paths: count, growth (keys c and g on the terminal).")
    var sort: LiveSortKey = .count

    mutating func validate() throws {
        guard pid > 0 else { throw ValidationError("PID must be positive") }
        guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 s") }
    }

    private var options: ReportOptions {
        var options = ReportOptions()
        options.maxFrames = 4
        return options
    }

    func run() throws {
        let first: LiveSnapshot
        do {
            first = try LiveProcess.snapshot(pid: pid, traceDirectory: traces, options: options)
        } catch {
            printError("\(error)") // no such process, /proc not readable, or its trace unreadable
            throw FDHoundExit.cannotTrace
        }
        guard !once, format == .text, isatty(STDOUT_FILENO) == 1 else {
            switch format {
            case .json: print(LiveView(first, previous: nil, elapsed: nil, sortedBy: sort).json(), terminator: "")
            case .text: print(LiveRenderer.render(first), terminator: "")
            }
            return
        }
        try watch(starting: first)
    }

    /// The refreshing view; the terminal is restored however it ends.
    private func watch(starting first: LiveSnapshot) throws {
        let terminal = TerminalSession()
        defer { terminal.restore() }
        var sortKey = sort
        var view = LiveView(first, previous: nil, elapsed: nil, sortedBy: sortKey)
        var lastLook = Date()
        while true {
            let size = terminal.size()
            terminal.draw(LiveScreen.lines(view, width: size.columns, height: size.rows, interval: interval))
            switch terminal.waitForKey(seconds: interval) {
            case "q"?, "Q"?:
                return
            case "c"?:
                sortKey = .count; view.sortedBy = .count; view.sort(); continue
            case "g"?:
                sortKey = .growth; view.sortedBy = .growth; view.sort(); continue
            default:
                if terminal.interrupted { return }
            }
            guard Self.isAlive(pid), let next = try? LiveProcess.snapshot(pid: pid, traceDirectory: traces, options: options) else {
                terminal.restore()
                print("fdhound live: process \(pid) has exited (last seen with \(view.open) descriptors open)")
                return
            }
            let now = Date()
            view = LiveView(next, previous: view, elapsed: now.timeIntervalSince(lastLook), sortedBy: sortKey)
            lastLook = now
        }
    }

    /// False once the process is gone or a zombie (its descriptors are closed then).
    static func isAlive(_ pid: Int) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }
}
