// `fdhound check [--baseline report.json] -- command…`: the CI gate. Runs the command traced, and fails
// (exit 1) when the run leaked descriptors the baseline does not already know; otherwise exits with the
// command's own status, so a failing test suite still fails the job.
import ArgumentParser
import FDHoundCore
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run a command traced and fail when it leaks descriptors (that a baseline does not know).",
        discussion: """
            Exit status: 1 when there are new findings (leaks, descriptors leaked across exec; with the flags
            also misuse and descriptors Python reclaimed); otherwise the command's own status. Make a
            baseline with `fdhound report DIR --format json > baseline.json`: a finding is known when the
            baseline has one of the same kind at the same code path (function, file and line).
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

    @Option(help: ArgumentHelp("Only findings whose culprit's source file or binary lies under this path (repeatable).",
                               discussion: "A test suite runs shells and tools too; bash, for one, keeps its script open until it exits."))
    var scope: [String] = []

    @Option(name: .shortAndLong, help: "Format of the report printed when the check fails: text, json, markdown.")
    var format: ReportFormat = .text

    @Argument(parsing: .captureForPassthrough, help: "The command to run, after --.")
    var command: [String] = []

    mutating func validate() throws {
        // Passthrough capture also swallows --help; answer it here (`check -- --help` still passes it on).
        if let first = command.first, ["-h", "--help", "-help"].contains(first) { throw CleanExit.helpRequest(self) }
        if let first = command.first, first != "--", first.hasPrefix("-") {
            throw ValidationError("Unknown option '\(VisibleEscapes.escape(first))'. Put the command after --: fdhound check [options] -- make test")
        }
        if command.first == "--" { command.removeFirst() }
        guard !command.isEmpty else { throw ValidationError("Name the command to check: fdhound check -- make test") }
        if let problem = ShimSettings.problem(environment: ProcessInfo.processInfo.environment) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        let known: Baseline?
        do {
            known = try baseline.map(Baseline.init(path:))
        } catch {
            printError("\(error)")
            throw FDHoundExit.usage
        }
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
        let report: Report
        do {
            report = try ReportBuilder.build(tracePath: directory, options: ReportOptions())
        } catch {
            printError("\(error)")
            throw FDHoundExit.unreadableTrace
        }
        let prefixes = scope.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let findings = CheckFindings.scoped(
            CheckFindings.findings(in: report, includeMisuse: failOnMisuse, includeReclaimed: failOnReclaimed),
            to: prefixes)
        let fresh = CheckFindings.new(findings, against: known)
        if fresh.isEmpty {
            let accepted = findings.count
            printError("check passed: no new descriptor leaks" + (accepted > 0 ? " (\(accepted) known from the baseline)" : ""))
            if termination.shellStatus != 0 { throw ExitCode(termination.shellStatus) }
            return
        }
        print(ReportRenderer.render(report, as: format), terminator: "")
        printError("check failed: \(fresh.count) new finding\(fresh.count == 1 ? "" : "s")"
            + (known == nil ? "" : " not in the baseline") + ":")
        for finding in fresh { printError("  \(finding.count) × \(finding.signature)") }
        throw FDHoundExit.leaksFound
    }
}
