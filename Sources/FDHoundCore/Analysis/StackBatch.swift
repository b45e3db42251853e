// Collects stacks from any of the traces of a report and symbolizes them in one symbolizer call: one
// llvm-symbolizer run per pass. A stack is resolved once per (trace, stack id) — a loop opens thousands
// of descriptors from one call site — placed in the modules loaded when it was first added.

struct StackBatch {
    private let traces: [TraceFile]
    private var stacks = [[AddressFrame]]()
    private var handles = [Int: [UInt32: Int]]()
    private(set) var warnings = [String]()

    init(traces: [TraceFile]) {
        self.traces = traces
    }

    /// Distinct stacks registered.
    var count: Int { stacks.count }

    /// Registers stack `id` of trace `trace` (placed in the modules loaded at `seq`); returns its handle.
    mutating func add(_ id: UInt32, trace: Int, seq: UInt64) -> Int {
        if let handle = handles[trace]?[id] { return handle }
        let (frames, problem) = StackResolver.resolve(id, in: traces[trace], atSeq: seq)
        if let problem { warnings.append("process \(traces[trace].header.pid): \(problem)") }
        stacks.append(frames)
        handles[trace, default: [:]][id] = stacks.count - 1
        return stacks.count - 1
    }

    /// Frames for every registered stack, by handle; only the handles in `only` are symbolized when it is
    /// given (the others stay module+offset).
    func symbolize(using symbolizer: Symbolizer, only: Set<Int>? = nil) -> [[Frame]] {
        StackSymbolization.frames(for: stacks, symbolize: only ?? Set(stacks.indices), using: symbolizer)
    }
}
