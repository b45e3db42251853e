// `fdhound check [--baseline report.json] -- command…`: the CI gate. Runs the command traced, and fails
// (exit 1) when the run leaked descriptors the baseline does not already know; otherwise exits with the
// command's own status, so a failing test suite still fails the job. `fdhound check DIR|FILE` checks the
// traces of an earlier run the same way (CheckTarget tells the two apart), exiting 0 when it passes.
import ArgumentParser
import FDHoundCore
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run a command traced (or read a run's traces) and fail when it leaks descriptors (that a baseline does not know).",
        usage: """
            fdhound check [options] -- <command> [<args>...]
            fdhound check [options] <trace-directory-or-file>
            """,
        discussion: """
            Exit status: 1 when there are new findings (leaks, descriptors leaked across exec; with the flags
            also misuse and descriptors Python reclaimed); otherwise the command's own status (0 when
            checking traces); 65 when a trace is unreadable. Without --, an argument that is a directory, a
            trace file or a name ending in .trace is checked as the traces of an earlier run (options first). Make a
            baseline with `fdhound report DIR --format json > baseline.json`: a finding is known when the
            baseline has one with the same fingerprint (section, kind, culprit function and source file name: a
            line that moved in the same function is still known). Leaks of pattern once (each process opened
            the descriptor once and held it to the end: often by design, like an event loop's epoll or a log
            file) do not fail the check unless --strict.
            """
    )

    @Option(name: .shortAndLong, help: "Keep the traces in this directory (default: a temporary one, removed).")
    var output: String?

    @Option(help: "A JSON report of an earlier run whose findings are accepted.")
    var baseline: String?

    @Flag(help: "Also fail on misuse (double close, raw close of a FILE*'s descriptor).")
    var failOnMisuse = false

    @Flag(help: "Also fail on descriptors Python closed instead of the program (finalizer, GC, shutdown).")
    var failOnReclaimed = false

    @Option(help: ArgumentHelp("Suppressions (docs/SUPPRESSIONS.md): findings an entry matches neither fail the check nor show (repeatable).", valueName: "file"))
    var suppressions: [String] = []

    @Flag(help: "Also fail on leaks of pattern once (a descriptor each process opened once and held to the end: often by design, like an event loop's epoll).")
    var strict = false

    @Option(help: ArgumentHelp("Only findings whose culprit's source file or binary lies under this path (repeatable).",
                               discussion: "A test suite runs shells and tools too; bash, for one, keeps its script open until it exits."))
    var scope: [String] = []

    @Option(name: .shortAndLong, help: "Format of the report printed when the check fails: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .text

    @Option(help: "Write the report (in --format) to this file, whether the check passes or fails (for a CI artifact).")
    var reportFile: String?

    @Option(help: "Annotations for new findings on standard error: github (workflow commands: the leak shows on its line), none. Default: github when GITHUB_ACTIONS=true, else none.")
    var annotations: AnnotationStyle?

    @Argument(parsing: .captureForPassthrough, help: "The command to run, after --; or a trace directory or file.")
    var command: [String] = []

    /// Whether the positional arguments followed `--` (always a command then).
    private var explicitCommand = false

    private enum CodingKeys: String, CodingKey {
        case output, baseline, failOnMisuse, failOnReclaimed, suppressions, strict, scope, format, reportFile, annotations, command
    }

    enum AnnotationStyle: String, ExpressibleByArgument, CaseIterable {
        case github, none
    }

    private var target: CheckTarget { CheckTarget.classify(command, explicitCommand: explicitCommand) }

    mutating func validate() throws {
        // Passthrough capture also swallows --help; answer it here (`check -- --help` still passes it on).
        if let first = command.first, ["-h", "--help", "-help"].contains(first) { throw CleanExit.helpRequest(self) }
        if let first = command.first, first != "--", first.hasPrefix("-") {
            throw ValidationError("Unknown option '\(VisibleEscapes.escape(first))'. Put the command after --: fdhound check [options] -- make test")
        }
        if command.first == "--" {
            command.removeFirst()
            explicitCommand = true
        }
        guard !command.isEmpty else {
            throw ValidationError("Name the command to check (fdhound check -- make test) or the traces of a run (fdhound check DIR)")
        }
        if case .traces = target {
            guard output == nil else {
                throw ValidationError("-o names where a command's traces go; checking existing traces writes none")
            }
            guard command.count == 1 else {
                throw ValidationError("Put the options before the traces: fdhound check [options] \(VisibleEscapes.escape(command[0]))")
            }
        }
        if let problem = ShimSettings.problem(environment: ProcessInfo.processInfo.environment) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        let entries = try loadSuppressions(suppressions)  // a bad file fails before anything runs
        let known: Baseline?
        do {
            known = try baseline.map(Baseline.init(path:))
        } catch {
            printError("\(error)")
            throw FDHoundExit.usage
        }
        switch target {
        case .traces(let path):
            try check(try report(of: path, suppressions: entries), against: known, commandStatus: 0)
        case .command(let command):
            let directory: String
            do {
                directory = try output ?? PrivateTemporaryDirectory.make(prefix: "fdhound-check-")
            } catch {
                printError("\(error)")
                throw FDHoundExit.cannotTrace
            }
            defer { if output == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let termination: TracedProcess.Termination
            do {
                termination = try TraceSession(command: command, outputDirectory: directory).run()
            } catch {
                printError("\(error)")
                throw FDHoundExit.cannotTrace
            }
            try check(try report(of: directory, suppressions: entries), against: known, commandStatus: termination.shellStatus)
        }
    }

    private func report(of path: String, suppressions: [SuppressionEntry]) throws -> Report {
        var options = ReportOptions()
        options.suppressions = suppressions
        do {
            return try ReportBuilder.build(tracePath: path, options: options)
        } catch {
            printError("\(error)")
            throw FDHoundExit.unreadableTrace
        }
    }

    /// Passes (exiting with `commandStatus`) or fails (exit 1, printing the report) on the report's findings.
    private func check(_ report: Report, against known: Baseline?, commandStatus: Int32) throws {
        let prefixes = scope.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let findings = CheckFindings.scoped(
            CheckFindings.findings(in: report, includeMisuse: failOnMisuse, includeReclaimed: failOnReclaimed,
                                   includeOnce: strict),
            to: prefixes)
        let fresh = CheckFindings.new(findings, against: known)
        let environment = ProcessInfo.processInfo.environment
        if let reportFile { try ReportOutput.emit(ReportRenderer.render(report, as: format), to: reportFile) }
        if (annotations ?? (environment["GITHUB_ACTIONS"] == "true" ? .github : .none)) == .github {
            // On standard error, so standard output stays the report (`check --format json > r.json`); the
            // runner reads workflow commands from both.
            for line in GitHubAnnotations.lines(for: fresh, in: report, workspace: environment["GITHUB_WORKSPACE"]) {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        if fresh.isEmpty {
            let accepted = findings.count
            let once = strict ? 0 : report.leaks.filter(\.isHeldOnce).count
            printError("check passed: no new descriptor leaks" + (accepted > 0 ? " (\(accepted) known from the baseline)" : "")
                + (once > 0 ? "; \(once) opened once and held ignored (--strict fails on them)" : ""))
            if commandStatus != 0 { throw ExitCode(commandStatus) }
            return
        }
        if reportFile == nil {
            print(ReportRenderer.render(report, as: format, options: RenderOptions(terminal: StandardOutputStyle.current())),
                  terminator: "")
        }
        printError("check failed: \(fresh.count) new finding\(fresh.count == 1 ? "" : "s")"
            + (known == nil ? "" : " not in the baseline") + ":")
        for finding in fresh { printError("  \(finding.count) × \(finding.signature)") }
        throw FDHoundExit.leaksFound
    }
}
