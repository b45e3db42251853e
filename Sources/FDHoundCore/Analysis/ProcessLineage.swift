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
    /// For each trace made by a FORK event: what its parent's log said was open at that event, by
    /// descriptor (the last event that made it open, not undone by a close). Read in one streaming pass
    /// per parent, so memory follows open descriptors, not the log.
    private let openAtFork: [Int: [Int: TraceEvent]]
    /// Per parent trace and FORK seq: close-on-exec of each descriptor the log knew then (same pass).
    private let cloexecAtFork: [Int: [UInt64: [Int: Bool]]]

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
        var spawned = [(trace: Int, seq: UInt64, api: UInt8)?](repeating: nil, count: traces.count)
        var openAtFork = [Int: [Int: TraceEvent]]()
        let byPid = Dictionary(grouping: traces.indices, by: { traces[$0].header.pid })
        // Candidate children per parent trace: traces not made by exec whose ppid is its pid.
        var children = [Int: [Int32: [Int]]]()
        for index in traces.indices where predecessor[index] == nil {
            let child = traces[index].header
            for parent in byPid[child.ppid] ?? [] where traces[parent].header.startRealtimeNs <= child.startRealtimeNs {
                children[parent, default: [:]][child.pid, default: []].append(index)
            }
        }
        var cloexecAtFork = [Int: [UInt64: [Int: Bool]]]()
        for parent in children.keys.sorted() {
            let wanted = children[parent] ?? [:]
            var open = [Int: TraceEvent]()
            var cloexec = [Int: Bool]()
            traces[parent].forEachEvent { event in
                switch event.type {
                case .open:  // pairs too
                    for fd in [event.fd, event.fd2] where fd >= 0 {
                        open[Int(fd)] = event
                        cloexec[Int(fd)] = event.arg & Self.cloexecBit != 0
                    }
                case .dup where event.fd2 >= 0:  // the target
                    open[Int(event.fd2)] = event
                    cloexec[Int(event.fd2)] = event.arg & Self.cloexecBit != 0
                case .inherited where event.fd >= 0:
                    open[Int(event.fd)] = event
                    cloexec[Int(event.fd)] = event.arg & 1 != 0
                case .cloexec where event.fd >= 0:
                    cloexec[Int(event.fd)] = event.arg != 0
                case .close where event.result == 0:
                    open[Int(event.fd)] = nil
                    cloexec[Int(event.fd)] = nil
                case .fork:  // the last one naming a child's pid made it
                    for child in wanted[event.result] ?? [] {
                        spawned[child] = (parent, event.seq, event.api)
                        openAtFork[child] = open
                        cloexecAtFork[parent, default: [:]][event.seq] = cloexec
                    }
                default: break
                }
            }
        }
        self.execPredecessor = predecessor
        self.execSuccessor = successor
        self.spawnedBy = spawned
        self.openAtFork = openAtFork
        self.cloexecAtFork = cloexecAtFork
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
            return opening(of: fd, in: parent, before: forkSeq, found: openAtFork[index]?[fd], depth: depth)
        }
        return nil
    }

    /// Whether `fd` was close-on-exec in trace `index` just before `seq` (the FORK event that made a child),
    /// from the event log: the opening call's FDH_EVENT_ARG_CLOEXEC bit (INHERITED: arg 1), then each
    /// CLOEXEC change. nil when the log does not say (not open, not in the kept window, or a trace older
    /// than the bit). Recorded during the streaming pass at every FORK that made a traced child.
    func closeOnExec(of fd: Int, in index: Int, before seq: UInt64) -> Bool? {
        cloexecAtFork[index]?[seq]?[fd]
    }

    /// FDH_EVENT_ARG_CLOEXEC: set in an OPEN or DUP event's arg when the new descriptor is close-on-exec.
    static let cloexecBit = UInt64(FDH_EVENT_ARG_CLOEXEC)

    /// Where `fd` was opened in trace `index` before its FORK event `seq`, given `found`, the last event
    /// of the kept log that made it open then. The opening may be earlier than the log's kept window (a
    /// wrapped ring): then the live table still names it if the descriptor is open at the end.
    private func opening(of fd: Int, in index: Int, before seq: UInt64, found: TraceEvent?, depth: Int) -> Origin? {
        if let found, found.stack != 0 {
            return Origin(trace: index, stack: found.stack, seq: found.seq, api: found.api)
        }
        if found?.type == .inherited { return origin(of: fd, in: index, depth: depth + 1) }
        // The event log may have overflowed: the live slot still says who opened it, if that was earlier.
        if let slot = traces[index].liveDescriptors.first(where: { $0.fd == fd }), slot.openSeq < seq, slot.stack != 0 {
            return Origin(trace: index, stack: slot.stack, seq: slot.openSeq, api: slot.api)
        }
        return nil
    }
}
