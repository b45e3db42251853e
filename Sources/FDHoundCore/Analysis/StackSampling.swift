// Always-on traces (header flag ALWAYS_ON, shim/src/sampling.c): most openings there carry a partial stack —
// a SAMPLED_OUT marker, then the innermost Python frame or else the caller's caller (if the stack had one),
// then the hooked call's caller — and only the first occurrences of each code path, and a sample of the
// rest, a full one. A code path is that pair, which a full stack names too: its innermost frame and its
// first Python frame, or without Python frames its second frame. This table maps each partial opening stack to the full stack that stands for it (of
// its code path's full stacks, the one with the most descriptors still open, then the most openings), and
// keeps each code path's exact totals from the call-site table, so that the leak pass groups an unsampled
// descriptor with its code path's full stack and says how many stacks were sampled — never a separate
// one-frame group. A code path with no full stack keeps its partial stack (shown with a marker frame).
import CFDHoundTrace

struct StackSampling {
    /// The marker frame's text, where a stack was not captured.
    static let notSampledFrame = "(stack not sampled: always-on mode recorded this call's code path only)"

    /// A code path: the caller's return address, and the innermost Python frame's node ip (`python`) or
    /// else the caller's caller (nil: the stack ends at the caller).
    struct CodePath: Hashable {
        let caller: UInt64
        let second: UInt64?
        let python: Bool
    }

    /// A code path's exact totals over all its opening stacks (full and partial).
    struct Totals {
        var opened: UInt64 = 0
        var closed: UInt64 = 0
        /// Openings that captured a full stack.
        var openedWithStack: UInt64 = 0
    }

    /// Whether the trace was recorded in always-on mode.
    let alwaysOn: Bool
    /// Partial stack id → the full stack that stands for it; absent: no full stack of its code path.
    private(set) var representative = [UInt32: UInt32]()
    /// Code path → how many different full stacks it has.
    private(set) var fullStacks = [CodePath: Int]()
    /// Opening stack id (full or partial) → its code path.
    private(set) var codePath = [UInt32: CodePath]()
    private(set) var totals = [CodePath: Totals]()
    private(set) var partial = Set<UInt32>()

    init(trace: TraceFile) {
        alwaysOn = trace.header.flags.contains(.alwaysOn)
        guard alwaysOn else { return }
        var best = [CodePath: (stack: UInt32, open: UInt64, opened: UInt64)]()
        for site in trace.callSites.values.sorted(by: { $0.stack < $1.stack }) {
            guard let (path, isPartial) = Self.codePath(of: trace.stack(site.stack)) else { continue }
            codePath[site.stack] = path
            totals[path, default: Totals()].opened &+= site.opened
            totals[path, default: Totals()].closed &+= site.closed
            if isPartial {
                partial.insert(site.stack)
                continue
            }
            totals[path, default: Totals()].openedWithStack &+= site.opened
            fullStacks[path, default: 0] += 1
            let open = site.opened &- min(site.closed, site.opened)
            if let current = best[path], (current.open, current.opened) >= (open, site.opened) { continue }
            best[path] = (site.stack, open, site.opened)
        }
        for stack in partial {
            if let path = codePath[stack], let full = best[path] { representative[stack] = full.stack }
        }
    }

    /// The code path a recorded stack names, and whether the stack is partial; nil for a stack that names
    /// none (empty, nested, or a walk that failed before its innermost frame).
    static func codePath(of walk: StackWalk) -> (CodePath, Bool)? {
        guard let innermost = walk.frames.first, innermost.kind == .returnAddress else { return nil }
        let partial = walk.frames.last?.kind == .sampledOut
        if let python = walk.frames.first(where: { $0.kind == .python }) {
            return (CodePath(caller: innermost.ip, second: python.ip, python: true), partial)
        }
        let second = walk.frames.count > 1 && walk.frames[1].kind == .returnAddress ? walk.frames[1].ip : nil
        return (CodePath(caller: innermost.ip, second: second, python: false), partial)
    }

    /// Whether `stack` is a partial stack of this trace.
    func isPartial(_ stack: UInt32) -> Bool { partial.contains(stack) }

    /// The stack to show and group by for an opening recorded with `stack`.
    func shown(_ stack: UInt32) -> UInt32 { representative[stack] ?? stack }

    /// Whether any partial stack has a full one standing for it.
    var substitutes: Bool { !representative.isEmpty }

    /// `event` with its stack as shown.
    func shown(_ event: TraceEvent) -> TraceEvent {
        guard let full = representative[event.stack] else { return event }
        var shown = event
        shown.stack = full
        return shown
    }
}
