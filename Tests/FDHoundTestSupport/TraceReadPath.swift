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
    ///
    /// A run of several processes is one input: bytes after the first trace's `file_size` that start with
    /// the magic are a second trace of the same directory (the cross-process passes — fork and exec
    /// lineage, descriptors crossing an exec — need two). Like `TraceSet`, one bad trace refuses the run.
    public static func exercise(_ bytes: [UInt8]) -> Outcome {
        var traces = [TraceFile]()
        do {
            let first = try TraceFile(bytes: bytes, path: "fuzz.trace")
            traces.append(first)
            let end = Int(first.header.fileSize) // ≤ bytes.count, checked by the reader
            if bytes.count - end >= 8, Array(bytes[end..<end + 8]) == Array("FDHTRACE".utf8) {
                traces.append(try TraceFile(bytes: Array(bytes[end...]), path: "fuzz-2.trace"))
            }
        } catch let error as TraceError {
            return .refused("\(error)")
        } catch {
            return .refused("unexpected error type: \(error)")
        }
        traces.sort { a, b in a.header.pid != b.header.pid ? a.header.pid < b.header.pid : a.path < b.path }
        for trace in traces { decodeEverything(trace) }

        var options = ReportOptions()
        options.symbolizer = EchoSymbolizer()
        options.includeInherited = true
        let report = ReportBuilder.build(traces: traces, tracePath: "fuzz", options: options)
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

    /// The parts of a trace read on demand: every event, and every stack and string that an event, a
    /// descriptor or a call site names.
    private static func decodeEverything(_ trace: TraceFile) {
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
