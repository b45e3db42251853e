// `fdhound demo`: trace the bundled leaky server (demo/leaky_server.c) and print its report — the quickest
// way to see what fdhound finds, with nothing to set up.
import ArgumentParser
import FDHoundCore
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Trace a bundled leaky program and print the report."
    )

    @Option(name: .shortAndLong, help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Keep the traces in this directory (default: a temporary one, removed).")
    var output: String?

    func run() throws {
        guard let program = ShimLocator.demoProgramPath() else {
            printError("cannot find the demo program fdhound-demo-leaky (build it with tools/build)")
            throw FDHoundExit.cannotTrace
        }
        let directory: String
        do {
            directory = try output ?? PrivateTemporaryDirectory.make(prefix: "fdhound-demo-")
        } catch {
            printError("\(error)")
            throw FDHoundExit.cannotTrace
        }
        defer { if output == nil { try? FileManager.default.removeItem(atPath: directory) } }

        printError("tracing \(program)")
        do {
            _ = try TraceSession(command: [program], outputDirectory: directory).run()
        } catch {
            printError("\(error)")
            throw FDHoundExit.cannotTrace
        }
        do {
            let report = try ReportBuilder.build(tracePath: directory, options: ReportOptions())
            print(ReportRenderer.render(report, as: format), terminator: "")
        } catch {
            printError("\(error)")
            throw FDHoundExit.unreadableTrace
        }
        if output != nil { printError("traces kept in \(directory): fdhound report \(directory)") }
    }
}
