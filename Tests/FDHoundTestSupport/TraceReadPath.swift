// Everything `fdhound report` does with a trace's bytes, in one call: validate, decode every section, analyse,
// render every format. The fuzzer (Tests/FDHoundFuzz) feeds it arbitrary bytes; FuzzCorpusTests replays the
// committed corpus through it in every `swift test`, so a crash the fuzzer once found stays a failing test.
import FDHoundCore

public enum TraceReadPath {
    /// What became of one input.
    public enum Outcome: Equatable {
        /// Refused with a TraceError (the message the user would see).
        case refused(String)
        /// Validated and reported; the rendered JSON's length, so the work cannot be optimized away.
        case reported(jsonBytes: Int)
    }

    /// Runs `bytes` through the reader, every section decoder, every analysis pass and every formatter.
    /// Any other error than a TraceError is returned as a refusal too, but named so a test can tell.
    public static func exercise(_ bytes: [UInt8]) -> Outcome {
        let trace: TraceFile
        do {
            trace = try TraceFile(bytes: bytes, path: "fuzz.trace")
        } catch let error as TraceError {
            return .refused("\(error)")
        } catch {
            return .refused("unexpected error type: \(error)")
        }
        // Sections read on demand: every event, every stack and string an event, descriptor or call site names.
        let scan = trace.events()
        var stackIDs = Set<UInt32>(), stringIDs = Set<UInt32>()
        for event in scan.events {
            stackIDs.insert(event.stack)
            stringIDs.formUnion([event.str1, event.str2])
        }
        for live in trace.liveDescriptors {
            stackIDs.insert(live.stack)
            stringIDs.formUnion([live.str1, live.str2])
        }
        stackIDs.formUnion(trace.callSites.keys)
        for id in stackIDs {
            for frame in trace.stack(id).frames { _ = trace.module(containing: frame.ip, atSeq: UInt64.max) }
        }
        for id in stringIDs { _ = trace.string(id) }

        var options = ReportOptions()
        options.symbolizer = EchoSymbolizer()
        options.includeInherited = true
        let report = ReportBuilder.build(traces: [trace], tracePath: "fuzz.trace", options: options)
        var json = 0
        for format in ReportFormat.allCases {
            let text = ReportRenderer.render(report, as: format)
            if format == .json { json = text.utf8.count }
        }
        _ = summaryLine(report)
        let baseline = Baseline(report: report)
        _ = ReportDiff(before: Baseline(report: Report(tracePath: "empty", processes: [], leaks: [], inherited: [],
                                                       warnings: [], showInherited: false)),
                       after: baseline).render()
        return .reported(jsonBytes: json)
    }
}

/// A symbolizer that answers without a process or the filesystem, deterministically from the address:
/// nothing, one frame, or an inlined pair with characters the formatters must escape.
struct EchoSymbolizer: Symbolizer {
    func symbolize(_ requests: [SymbolRequest]) -> [[SymbolizedFrame]] {
        requests.map { request in
            let name = String(request.address, radix: 16)
            switch request.address % 3 {
            case 0: return []
            case 1: return [SymbolizedFrame(function: "f_\(name)", file: "/src/\(name).c", line: Int(request.address % 997),
                                            column: 3)]
            default: return [SymbolizedFrame(function: "inl<`|*_\u{1b}>\(name)", file: nil, line: nil, column: nil),
                             SymbolizedFrame(function: "outer_\(name)", file: "/src/a b|`.c", line: 1, column: nil)]
            }
        }
    }
}
