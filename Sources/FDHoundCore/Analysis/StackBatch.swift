// Collects stacks from any of the traces of a report and symbolizes them in one symbolizer call, for the
// passes that run after the leak pass (exec crossings, misuse): one llvm-symbolizer run per pass.

struct StackBatch {
    private let traces: [TraceFile]
    private var stacks = [[AddressFrame]]()
    private(set) var warnings = [String]()

    init(traces: [TraceFile]) {
        self.traces = traces
    }

    /// Registers stack `id` of trace `trace` (placed in the modules loaded at `seq`); returns its handle.
    mutating func add(_ id: UInt32, trace: Int, seq: UInt64) -> Int {
        let (frames, problem) = StackResolver.resolve(id, in: traces[trace], atSeq: seq)
        if let problem { warnings.append("process \(traces[trace].header.pid): \(problem)") }
        stacks.append(frames)
        return stacks.count - 1
    }

    /// Frames for every registered stack, by handle.
    func symbolize(using symbolizer: Symbolizer) -> [[Frame]] {
        StackSymbolization.frames(for: stacks, symbolize: Set(stacks.indices), using: symbolizer)
    }
}
