// Links the traces of one run into a process tree, so a descriptor that crossed into another process can
// be traced back to the stack that opened it:
//   - exec: the image an exec replaced and the new image share a pid; the older trace is "execed" and its
//     live table at the end is exactly what was open at the exec;
//   - posix_spawn (and forks whose child execs before the shim of the new image starts): the parent's
//     FORK event names the child's pid; the parent's event log up to that event says what was open then;
//   - fork without exec: the shim already copied the opening stacks into the child's trace.

import CFDHoundTrace

struct ProcessLineage {
    /// Where an inherited descriptor was opened: the trace and stack id of the opening, and its seq there.
    struct Origin {
        let trace: Int
        let stack: UInt32
        let seq: UInt64
        /// The call that opened it there (enum fdh_api).
        let api: UInt8
    }

    private let traces: [TraceFile]
    /// For each trace: the trace of the image it replaced by exec (same pid, older, state execed).
    let execPredecessor: [Int?]
    /// For each trace: the trace that replaced it by exec.
    let execSuccessor: [Int?]
    /// For each trace: the parent trace and the seq of the parent's FORK event that made this process.
    let spawnedBy: [(trace: Int, seq: UInt64, api: UInt8)?]
    /// Events per trace, read once (only for traces some link needs).
    private let events: [Int: [TraceEvent]]

    init(traces: [TraceFile]) {
        self.traces = traces
        let order = traces.indices.sorted { traces[$0].header.startRealtimeNs < traces[$1].header.startRealtimeNs }
        var predecessor = [Int?](repeating: nil, count: traces.count)
        var successor = [Int?](repeating: nil, count: traces.count)
        var lastImage = [Int32: Int]()
        for index in order {
            let pid = traces[index].header.pid
            if let previous = lastImage[pid], traces[previous].header.processState == .execed {
                predecessor[index] = previous
                successor[previous] = index
            }
            lastImage[pid] = index
        }
        var events = [Int: [TraceEvent]]()
        var spawned = [(trace: Int, seq: UInt64, api: UInt8)?](repeating: nil, count: traces.count)
        let byPid = Dictionary(grouping: traces.indices, by: { traces[$0].header.pid })
        for index in traces.indices where predecessor[index] == nil {
            let child = traces[index].header
            for parent in byPid[child.ppid] ?? [] where traces[parent].header.startRealtimeNs <= child.startRealtimeNs {
                if events[parent] == nil { events[parent] = traces[parent].events().events }
                if let fork = events[parent]?.last(where: { $0.type == 9 && $0.result == child.pid }) {
                    spawned[index] = (parent, fork.seq, fork.api)
                }
            }
        }
        self.execPredecessor = predecessor
        self.execSuccessor = successor
        self.spawnedBy = spawned
        self.events = events
    }

    /// Where descriptor `fd`, inherited by trace `index`, was opened; nil if no traced process says.
    func origin(of fd: Int, in index: Int, depth: Int = 0) -> Origin? {
        guard depth < 16 else { return nil }
        if let previous = execPredecessor[index],
           let slot = traces[previous].liveDescriptors.first(where: { $0.fd == fd }) {
            if slot.stack != 0 { return Origin(trace: previous, stack: slot.stack, seq: slot.openSeq, api: slot.api) }
            return origin(of: fd, in: previous, depth: depth + 1)
        }
        if let (parent, forkSeq, _) = spawnedBy[index] {
            return opening(of: fd, in: parent, before: forkSeq, depth: depth)
        }
        return nil
    }

    /// Whether `fd` was close-on-exec in trace `index` just before `seq` (the FORK event that made a child),
    /// from the event log: the opening call's FDH_EVENT_ARG_CLOEXEC bit (INHERITED: arg 1), then each
    /// CLOEXEC change. nil when the log does not say (not open, not in the log, or a trace older than the bit).
    func closeOnExec(of fd: Int, in index: Int, before seq: UInt64) -> Bool? {
        var state: Bool?
        for event in events[index] ?? [] where event.seq < seq {
            switch event.type {
            case 1 where Int(event.fd) == fd || Int(event.fd2) == fd,                 // OPEN (pairs too)
                 3 where Int(event.fd2) == fd:                                         // DUP target
                state = event.arg & Self.cloexecBit != 0
            case 6 where Int(event.fd) == fd: state = event.arg & 1 != 0              // INHERITED
            case 15 where Int(event.fd) == fd: state = event.arg != 0                 // CLOEXEC
            case 2 where Int(event.fd) == fd && event.result == 0: state = nil        // CLOSE
            default: break
            }
        }
        return state
    }

    /// FDH_EVENT_ARG_CLOEXEC: set in an OPEN or DUP event's arg when the new descriptor is close-on-exec.
    static let cloexecBit = UInt64(FDH_EVENT_ARG_CLOEXEC)

    /// The last event that made `fd` open in trace `index` before `seq` (not undone by a close).
    private func opening(of fd: Int, in index: Int, before seq: UInt64, depth: Int) -> Origin? {
        var found: TraceEvent?
        for event in events[index] ?? [] where event.seq < seq {
            switch event.type {
            case 1 where Int(event.fd) == fd || Int(event.fd2) == fd: found = event   // OPEN (pairs too)
            case 3 where Int(event.fd2) == fd: found = event                          // DUP target
            case 6 where Int(event.fd) == fd: found = event                           // INHERITED
            case 2 where Int(event.fd) == fd && event.result == 0: found = nil        // CLOSE
            default: break
            }
        }
        if let found, found.stack != 0 {
            return Origin(trace: index, stack: found.stack, seq: found.seq, api: found.api)
        }
        if found?.type == 6 { return origin(of: fd, in: index, depth: depth + 1) }
        // The event log may have overflowed: the live slot still says who opened it, if that was earlier.
        if let slot = traces[index].liveDescriptors.first(where: { $0.fd == fd }), slot.openSeq < seq, slot.stack != 0 {
            return Origin(trace: index, stack: slot.stack, seq: slot.openSeq, api: slot.api)
        }
        return nil
    }
}
