// `fdhound metrics --listen ADDR:PORT`: exports live descriptor counts to the monitoring people already run.
// Serves the Prometheus text format: the standard process_open_fds / process_max_fds per watched process,
// and — for processes under fdhound — the code paths holding descriptors and the projected time to
// exhaustion (MetricsCollector, PrometheusExposition). Every scrape reads /proc and the traces afresh.
import ArgumentParser
import FDHoundCore
import Foundation

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Serve descriptor counts and leaking code paths for Prometheus to scrape.",
        discussion: """
            Watches the processes named with --pid (their traces found from their memory maps, as `report
            --pid` does; an untraced one gets the /proc series only), or every running trace in --traces DIR.
            Runs until SIGINT or SIGTERM, then exits 0. Exit status 69 when the address cannot be listened on.
            """
    )

    @Option(help: "Address to serve on, IPv4-ADDRESS:PORT (port 0: any free one, printed at start).")
    var listen: String

    @Option(name: .shortAndLong, help: "Watch every process running with its trace in this directory.")
    var traces: String?

    @Option(name: .customLong("pid"), parsing: .upToNextOption, help: "Watch these processes (repeatable).")
    var pids: [Int] = []

    @Option(help: "Code paths exported per process, the largest first; the rest are summed as code_path=\"(other)\".")
    var topCodePaths: Int = MetricsCollector.defaultTopCodePaths

    mutating func validate() throws {
        guard (traces == nil) != pids.isEmpty else {
            throw ValidationError("Name a trace directory with --traces, or processes with --pid (one of them)")
        }
        guard pids.allSatisfy({ $0 > 0 }) else { throw ValidationError("--pid must be positive") }
        guard (1...1000).contains(topCodePaths) else { throw ValidationError("--top-code-paths must be 1…1000") }
    }

    func run() throws {
        let listener: MetricsListener
        do {
            listener = try MetricsListener(address: listen)
        } catch let failure as MetricsListener.Failure {
            if case .badAddress = failure { throw ValidationError(failure.description) }
            printError(failure.description)
            throw FDHoundExit.cannotTrace
        }
        let collector = MetricsCollector(target: traces.map { .traceDirectory($0) } ?? .pids(pids),
                                         topCodePaths: topCodePaths)
        print("fdhound metrics: serving http://\(listener.boundAddress)/metrics")
        fflush(stdout)
        var reported = Set<String>()
        listener.serve {
            let scrape = collector.collect()
            // A process that cannot be read is said once on stderr, not at every scrape.
            if reported.count > 10_000 { reported.removeAll() } // processes come and go: keep it bounded
            for problem in scrape.problems where reported.insert(problem).inserted { printError(problem) }
            return PrometheusExposition.render(scrape.processes)
        }
    }
}
