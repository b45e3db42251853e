// `fdhound diff OLD NEW`: what changed between two runs. Each side is a trace directory or file, or a JSON
// report saved with `fdhound report --format json`; code paths are matched by fingerprint (section, kind, culprit function and source file name).
import ArgumentParser
import FDHoundCore
import Foundation

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two runs: code paths that leak only in the new one, no longer, or with other counts.",
        discussion: "Exit status: 0, or 1 with --fail-on-new when the second run has code paths the first has not."
    )

    @Argument(help: "The earlier run: a trace directory or file, or a JSON report.")
    var old: String

    @Argument(help: "The later run: a trace directory or file, or a JSON report.")
    var new: String

    @Flag(help: "Exit 1 when the later run has findings the earlier one has not.")
    var failOnNew = false

    @Option(name: .shortAndLong, help: "Write the comparison to this file instead of standard output.")
    var output: String?

    @Option(help: ArgumentHelp("Suppressions (docs/SUPPRESSIONS.md) applied to each side that is traces (a saved JSON report is taken as it is; repeatable).", valueName: "file"))
    var suppressions: [String] = []

    func run() throws {
        var options = ReportOptions()
        options.suppressions = try loadSuppressions(suppressions)
        let before = try load(old, options), after = try load(new, options)
        let diff = ReportDiff(before: before, after: after)
        try ReportOutput.emit(diff.render(), to: output)
        if failOnNew && !diff.added.isEmpty { throw FDHoundExit.leaksFound }
    }

    /// A saved JSON report as it is; a trace directory or file through a fresh report.
    private func load(_ path: String, _ options: ReportOptions) throws -> Baseline {
        do {
            if path.hasSuffix(".json") { return try Baseline(path: path) }
            return Baseline(report: try ReportBuilder.build(tracePath: path, options: options))
        } catch {
            printError("\(error)")
            throw FDHoundExit.unreadableTrace
        }
    }
}
