// Gathers one scrape of `fdhound metrics`: for each watched process, /proc (descriptors open, the soft
// limit; LiveProcess.descriptors) and, when it runs under fdhound, its running trace read fresh
// (RunningTraceCopy, as `report --pid` does) through only the two passes the series need — the leak pass
// (who holds the descriptors now) and the time-left forecast — never the full report. The symbolizer and
// its answers live across scrapes, so a steady service costs llvm-symbolizer nothing after the first scrape.
import Foundation

/// Collects ProcessMetrics for a set of processes, keeping the symbolizer between scrapes.
public final class MetricsCollector {
    /// Which processes to watch.
    public enum Target: Sendable {
        /// These pids (their traces found from /proc/PID/maps, as `report --pid` does; untraced ones get
        /// the /proc series only).
        case pids([Int])
        /// Every process whose running trace is in this directory (a `fdhound run -o DIR`).
        case traceDirectory(String)
    }

    /// Default bound on the code-path series per process.
    public static let defaultTopCodePaths = 10
    /// Cached symbolizer answers kept at most; past that the cache starts again (a long-lived exporter
    /// watching processes that come and go must not grow without bound).
    static let cachedAnswersLimit = 200_000

    public let target: Target
    /// Code paths exported per process, the largest first; the rest are summed into one "(other)" series.
    public let topCodePaths: Int
    private let tool: Symbolizer
    private var symbolizer: CachingSymbolizer
    private let maxFrames = 4

    public init(target: Target, topCodePaths: Int = MetricsCollector.defaultTopCodePaths, symbolizer: Symbolizer? = nil) {
        self.target = target
        self.topCodePaths = max(1, topCodePaths)
        tool = symbolizer ?? LLVMSymbolizer() ?? NullSymbolizer()
        self.symbolizer = CachingSymbolizer(tool)
    }

    /// One scrape: the processes that could be read (sorted by pid), and one line per one that could not.
    public func collect() -> (processes: [ProcessMetrics], problems: [String]) {
        if symbolizer.entries > Self.cachedAnswersLimit { symbolizer = CachingSymbolizer(tool) }
        var processes = [ProcessMetrics](), problems = [String]()
        switch target {
        case .pids(let pids):
            for pid in Set(pids).sorted() {
                var trace: TraceFile?
                do {
                    trace = try ProcessTraceLocator.load(pid: pid)
                } catch let error as ProcessTraceError where error.reason == .notTraced {
                    trace = nil // exported from /proc alone
                } catch {
                    problems.append("\(error)")
                    if (error as? ProcessTraceError)?.reason == .noProcess { continue }
                }
                do {
                    processes.append(try metrics(pid: pid, trace: trace))
                } catch {
                    problems.append("\(error)")
                }
            }
        case .traceDirectory(let directory):
            for (pid, path) in Self.runningTraces(in: directory) {
                do {
                    let trace = try RunningTraceCopy.load(path: path)
                    processes.append(try metrics(pid: pid, trace: trace))
                } catch {
                    problems.append("\(error)") // exited between the listing and the read, or unreadable
                }
            }
        }
        return (processes, problems)
    }

    /// The metrics of one process; `trace` is its running trace, if any.
    func metrics(pid: Int, trace: TraceFile?) throws -> ProcessMetrics {
        let held = try LiveProcess.descriptors(pid: pid, trace: trace)
        let program = trace?.executable.map { ($0 as NSString).lastPathComponent } ?? Self.programName(pid: pid)
        var metrics = ProcessMetrics(pid: pid, program: program, openDescriptors: held.targets.count,
                                     maxDescriptors: held.softLimit, traced: trace != nil)
        guard let trace else { return metrics }
        let leaks = LeakAnalysis(traces: [trace], symbolizer: symbolizer, maxFrames: maxFrames).run().leaks
        let forecast = ExhaustionForecast(traces: [trace], symbolizer: symbolizer, maxFrames: maxFrames,
                                          withSeries: false).run()
        if let process = forecast.processes[0] {
            if process.verdict != "too-little-data" { metrics.descriptorsPerSecond = process.perSecond }
            if process.verdict == "projected" { metrics.secondsToExhaustion = process.secondsLeft }
        }
        var rising = [String: Double]()
        for path in forecast.codePaths where path.timeLeft.verdict == "projected" {
            guard let seconds = path.timeLeft.secondsLeft else { continue }
            let key = path.kind + "\u{0}" + ReportWording.codePath(path.culprit, calledFrom: path.calledFrom)
            rising[key] = min(rising[key] ?? seconds, seconds)
        }
        metrics.codePaths = leaks.prefix(topCodePaths).map { leak in
            let name = ReportWording.codePath(leak.culprit, calledFrom: leak.calledFrom)
            return ProcessMetrics.CodePath(kind: leak.kind, codePath: name, open: leak.count,
                                           secondsToExhaustion: rising[leak.kind + "\u{0}" + name])
        }
        let rest = leaks.dropFirst(topCodePaths).reduce(0) { $0 + $1.count }
        if rest > 0 { metrics.codePaths.append(.init(kind: "other", codePath: "(other)", open: rest)) }
        return metrics
    }

    /// (pid, path) of each trace in `directory` whose process is running and maps it now — a trace left by
    /// a process that ended (or was killed) is not mapped by anyone, and a reused pid maps another file.
    /// Reads no trace: only the names, and /proc/PID/maps of the pids they name.
    static func runningTraces(in directory: String) -> [(Int, String)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        var found = [Int: String]()
        for name in names where ProcessTraceLocator.isTraceName(name) {
            guard let pid = Int(name.split(separator: ".")[1]), pid > 0, found[pid] == nil,
                  let mapped = try? ProcessTraceLocator.trace(of: pid) else { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            if sameFile(path, mapped) { found[pid] = path }
        }
        return found.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// The executable's file name of an untraced process (/proc/PID/exe), else its comm.
    static func programName(pid: Int) -> String {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") {
            return (exe as NSString).lastPathComponent
        }
        let comm = FileManager.default.contents(atPath: "/proc/\(pid)/comm").map { [UInt8]($0) } ?? []
        return RawBytesText.decode(comm.last == 10 ? comm.dropLast() : comm[...])
    }
}
