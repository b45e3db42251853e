// `fdhound run -o DIR -- command args…`: trace a command and its exec'd children; exit with its status.
import ArgumentParser
import FDHoundCore
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command with fdhound's shim preloaded and record a trace of every descriptor.",
        discussion: """
            Each traced process writes DIR/fdhound.<pid>.trace. The traces survive a crash or SIGKILL and
            are read with `fdhound report DIR`. fdhound exits with the command's own exit status.
            """
    )

    @Option(name: .shortAndLong, help: "Directory for the traces (old fdhound.*.trace files in it are replaced).")
    var output: String = "fdhound-trace"

    @Option(help: "Frames recorded per stack (1–128).")
    var depth: Int = 32

    @Option(help: "Capacity of the event log, in events (16–67108864; leak counts stay exact when it fills).")
    var events: Int?

    @OptionGroup var alwaysOn: AlwaysOnOptions

    @Flag(name: .shortAndLong, help: "Do not print the summary when the command ends.")
    var quiet = false

    @Argument(parsing: .captureForPassthrough, help: "The command to trace, after --.")
    var command: [String] = []

    mutating func validate() throws {
        // The command is captured verbatim; an option fdhound does not know would otherwise be taken for it.
        // Passthrough capture also swallows --help; answer it here (`run -- --help` still passes it on).
        if let first = command.first, ["-h", "--help", "-help"].contains(first) { throw CleanExit.helpRequest(self) }
        if let first = command.first, first != "--", first.hasPrefix("-") {
            throw ValidationError("Unknown option '\(VisibleEscapes.escape(first))'. Put the command to trace after --: fdhound run [options] -- ./server")
        }
        if command.first == "--" { command.removeFirst() }
        guard !command.isEmpty else { throw ValidationError("Name the command to trace: fdhound run -- ./server") }
        if let problem = ShimSettings.problem(option: "--depth", value: depth) { throw ValidationError(problem) }
        if let events, let problem = ShimSettings.problem(option: "--events", value: events) {
            throw ValidationError(problem)
        }
        if let problem = ShimSettings.problem(environment: ProcessInfo.processInfo.environment) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        var session = TraceSession(command: command, outputDirectory: output, stackDepth: depth,
                                   eventCapacity: events)
        if let sampling = alwaysOn.settings { session.sampling = sampling }
        let termination: TracedProcess.Termination
        let watcher = EvidenceWatcher(directory: session.outputDirectory.path)
        watcher.start()
        do {
            termination = try session.run()
        } catch {
            watcher.stop()
            printError("\(error)")
            throw FDHoundExit.cannotTrace
        }
        watcher.stop()
        if !quiet {
            printSummary(traceDirectory: session.outputDirectory.path)
        }
        if termination.shellStatus != 0 { throw ExitCode(termination.shellStatus) }
    }

    private func printSummary(traceDirectory: String) {
        do {
            var options = ReportOptions()
            options.summaryOnly = true  // one line of counts: no forecast, evidence or module checks
            let report = try ReportBuilder.build(tracePath: traceDirectory, options: options)
            FileHandle.standardError.write(Data((VisibleEscapes.escape(summaryLine(report)) + "\n").utf8))
        } catch {
            printError("no summary: \(error)")
        }
    }
}
