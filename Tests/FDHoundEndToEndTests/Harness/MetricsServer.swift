// `fdhound metrics` started by a test on 127.0.0.1 with a port the kernel picks (read from its first line),
// scraped with curl, and stopped by pid with SIGTERM (its exit status is part of what the tests check).
import FDHoundTestSupport
import Foundation
import XCTest

final class MetricsServer {
    let process: BackgroundProcess
    let address: String

    init(_ arguments: [String]) throws {
        process = try BackgroundProcess([FDHoundCLI.executable, "metrics", "--listen", "127.0.0.1:0"] + arguments)
        let line = process.firstLine.trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix("fdhound metrics: serving http://"), line.hasSuffix("/metrics") else {
            throw ExpositionParser.Failure(description: "unexpected first line: \(line.debugDescription)")
        }
        address = String(line.dropFirst("fdhound metrics: serving http://".count).dropLast("/metrics".count))
    }

    var port: String { String(address.split(separator: ":").last ?? "") }

    /// GET /metrics, parsed strictly.
    func scrape() throws -> [ExpositionParser.Sample] {
        let result = try HTTP.get("http://\(address)/metrics")
        return try ExpositionParser.parse(result)
    }

    /// SIGTERM, then its exit status and standard error.
    func stop() -> (status: Int32, stderr: String) {
        kill(process.pid, SIGTERM)
        let end = process.waitForExit()
        return (end.status, end.stderr)
    }
}

enum HTTP {
    /// The body of a GET on loopback (curl, bounded to 20 s); throws on a failed request or a non-2xx status.
    static func get(_ url: String) throws -> String {
        let result = try Command.run(["curl", "-sS", "--fail", "--max-time", "20", url], timeout: 30)
        guard result.status == 0 else {
            throw ExpositionParser.Failure(description: "GET \(url): curl \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}

extension Array where Element == ExpositionParser.Sample {
    /// Samples of `name` whose labels include all of `labels`.
    func named(_ name: String, _ labels: [String: String] = [:]) -> [ExpositionParser.Sample] {
        filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }
}
