// `fdhound report PATH`: read the traces of a run, symbolize, and print the leaking code paths.
import ArgumentParser
import FDHoundCore
import Foundation

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the descriptors left open, grouped by the code path that opened them.",
        discussion: "Exit status: 0 when the report was produced (leaks or not), 65 when a trace is unreadable."
    )

    @Argument(help: "A trace directory written by `fdhound run -o`, or one trace file.")
    var path: String

    @Option(name: .shortAndLong, help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .text

    @Option(help: "Frames shown per stack.")
    var maxFrames: Int = 16

    @Flag(name: .customLong("all"), help: "Also list inherited descriptors and stdio.")
    var includeInherited = false

    mutating func validate() throws {
        guard maxFrames > 0 else { throw ValidationError("--max-frames must be positive") }
    }

    func run() throws {
        var options = ReportOptions()
        options.maxFrames = maxFrames
        options.includeInherited = includeInherited
        let report: Report
        do {
            report = try ReportBuilder.build(tracePath: path, options: options)
        } catch {
            printError("\(error)")
            throw FDHoundExit.unreadableTrace
        }
        print(ReportRenderer.render(report, as: format), terminator: "")
    }
}
