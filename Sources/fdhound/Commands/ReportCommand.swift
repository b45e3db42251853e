// `fdhound report PATH`: read the traces of a run, symbolize, and print the leaking code paths.
import ArgumentParser
import FDHoundCore
import Foundation

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the descriptors left open, grouped by the code path that opened them.",
        discussion: """
            With --pid, the report is about a process running now (under `fdhound run`, or attached to): its
            trace is found from its memory map and read while it runs, without stopping it.
            Exit status: 0 when the report was produced (leaks or not), 65 when a trace is unreadable, 69 (with
            --pid) when there is no such process or it is not being traced, 73 when the -o file cannot be written.
            """
    )

    @Argument(help: "A trace directory written by `fdhound run -o`, or one trace file.")
    var path: String?

    @Option(help: "Report a running process now, from the trace it is writing.")
    var pid: Int?

    @Option(name: .shortAndLong, help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file (replaced whole, never half-written) instead of standard output.")
    var output: String?

    @Flag(help: "For a public ticket: replace paths outside the program's tree, host names, IP addresses and absolute memory addresses with stable placeholders (<path-…>, <host-…>, <ip-…>, <addr-…>).")
    var redact = false

    @Option(help: ArgumentHelp("With --redact: the program's own tree, whose paths are kept, made relative (repeatable; default: the current directory).", valueName: "directory"))
    var keepPath: [String] = []

    @Option(help: ArgumentHelp("SARIF: paths under this directory (the checkout) become relative to it (uriBaseId SRCROOT), as GitHub code scanning wants.", valueName: "directory"))
    var sarifRoot: String?

    @Option(help: "Frames shown per stack.")
    var maxFrames: Int = 16

    @Flag(name: .customLong("all"), help: "Also list inherited descriptors and stdio, and show findings opened once and held (pattern once) in full.")
    var includeInherited = false

    @Option(help: ArgumentHelp("Suppressions (docs/SUPPRESSIONS.md): findings an entry matches leave the report; each entry's matches are counted (repeatable).", valueName: "file"))
    var suppressions: [String] = []

    @Flag(help: "Print suppression entries for the report's findings (docs/SUPPRESSIONS.md) instead of the report.")
    var genSuppressions = false

    @Flag(help: "Show every native frame of Python-aware stacks (text, markdown); by default the interpreter's internals are folded into one line.")
    var nativeFrames = false

    mutating func validate() throws {
        guard maxFrames > 0 else { throw ValidationError("--max-frames must be positive") }
        guard (path == nil) != (pid == nil) else {
            throw ValidationError("Name a trace directory or file, or a running process with --pid (one of them)")
        }
        if let pid, pid <= 0 { throw ValidationError("--pid must be positive") }
    }

    func run() throws {
        var options = ReportOptions()
        options.maxFrames = maxFrames
        options.includeInherited = includeInherited
        options.nativeFrames = nativeFrames
        options.suppressions = try loadSuppressions(suppressions)
        let report: Report
        if let pid {
            let trace: TraceFile
            do {
                trace = try ProcessTraceLocator.load(pid: pid)
            } catch let error as ProcessTraceError {
                printError("\(error)")
                throw FDHoundExit.cannotTrace
            } catch {
                printError("\(error)")
                throw FDHoundExit.unreadableTrace
            }
            report = ReportBuilder.build(traces: [trace], tracePath: trace.path, options: options)
            try emit(report)
            return
        }
        do {
            report = try ReportBuilder.build(tracePath: path ?? "", options: options)
        } catch {
            printError("\(error)")
            throw FDHoundExit.unreadableTrace
        }
        try emit(report)
    }

    /// The report in --format, or with --gen-suppressions the suppression entries for its findings.
    private func emit(_ report: Report) throws {
        let text = genSuppressions ? SuppressionWording.generate(for: report)
            : ReportRenderer.render(redacted(report), as: format, options: renderOptions)
        try ReportOutput.emit(text, to: output)
    }

    private var renderOptions: RenderOptions {
        RenderOptions(terminal: output == nil ? StandardOutputStyle.current() : .plain,
                      sarifRoot: sarifRoot.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
    }

    /// The report as --redact wants it (ReportRedactor), or unchanged.
    private func redacted(_ report: Report) -> Report {
        guard redact else { return report }
        let roots = (keepPath.isEmpty ? [FileManager.default.currentDirectoryPath] : keepPath)
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return ReportRedactor(keptRoots: roots, hostName: ProcessInfo.processInfo.hostName).redact(report)
    }
}
