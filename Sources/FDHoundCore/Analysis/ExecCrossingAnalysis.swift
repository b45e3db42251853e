// Descriptors that crossed an exec: open, without close-on-exec, when a process replaced its image (or
// when a traced parent spawned a program). The new program holds them without knowing it — a child
// keeping a listening socket bound, or a pipe's write end that stops the parent from ever seeing EOF.
// Grouped by the code path that opened them and the program they leaked into. Descriptors passed on purpose
// (DeliberatePassing: pass_fds, a dup2 in the child, posix_spawn's file actions, /dev/fd/N on the command
// line) are grouped the same way but returned apart, never as leaks.

struct ExecCrossingAnalysis {
    let traces: [TraceFile]
    let lineage: ProcessLineage
    let symbolizer: Symbolizer
    let maxFrames: Int

    private struct Crossing {
        let trace: Int          // the process that held it at the exec (or spawned the program)
        let descriptor: LiveDescriptor
        let api: UInt8          // the call that opened it, wherever that was
        let stackHandle: Int
        let intoProgram: String
        let intoPid: Int
        /// Why it was passed on purpose; nil: a leak.
        let deliberate: DeliberatePassing.Reason?
    }

    func run() -> (groups: [ExecLeakGroup], passed: [ExecLeakGroup], warnings: [String]) {
        var batch = StackBatch(traces: traces)
        var crossings = [Crossing]()
        for (index, trace) in traces.enumerated() {
            if trace.header.processState == .execed {
                let into = program(after: index)
                let deciding = DeliberatePassing.lastDecidingEvents(in: trace)  // one streamed pass
                let newArguments = lineage.execSuccessor[index].map { traces[$0].arguments } ?? []
                let forked = trace.header.flags & 2 != 0 // FDH_HEADER_FLAG_FORKED
                for descriptor in trace.liveDescriptors where descriptor.fd > 2 && !descriptor.cloexec {
                    var stackTrace = index, stack = descriptor.stack, seq = descriptor.openSeq, api = descriptor.api
                    if stack == 0, let origin = lineage.origin(of: descriptor.fd, in: index) {
                        (stackTrace, stack, seq, api) = (origin.trace, origin.stack, origin.seq, origin.api)
                    }
                    // Opened by no traced process: it came from whoever started the run (a shell's
                    // descriptors); not this program's doing.
                    if stack == 0 { continue }
                    let reason = DeliberatePassing.reason(fd: descriptor.fd, lastDeciding: deciding[descriptor.fd], forked: forked,
                                                          arguments: newArguments)
                    crossings.append(Crossing(trace: index, descriptor: descriptor, api: api,
                                              stackHandle: batch.add(stack, trace: stackTrace, seq: seq),
                                              intoProgram: into.program, intoPid: into.pid, deliberate: reason))
                }
            }
            // A program spawned (posix_spawn, vfork, clone) by a traced parent: what it inherited came from the
            // parent.
            if lineage.execPredecessor[index] == nil, let spawn = lineage.spawnedBy[index],
               trace.header.flags & 2 == 0 /* FDH_HEADER_FLAG_FORKED: same image, not a new program */ {
                for descriptor in trace.liveDescriptors where descriptor.fd > 2 && descriptor.state == .inherited {
                    guard let origin = lineage.origin(of: descriptor.fd, in: index) else { continue }
                    if origin.stack == 0 { continue }
                    let reason = DeliberatePassing.reason(
                        closeOnExecInParent: lineage.closeOnExec(of: descriptor.fd, in: spawn.trace, before: spawn.seq),
                        fd: descriptor.fd, arguments: trace.arguments)
                    crossings.append(Crossing(trace: spawn.trace, descriptor: descriptor, api: origin.api,
                                              stackHandle: batch.add(origin.stack, trace: origin.trace, seq: origin.seq),
                                              intoProgram: trace.executable ?? "pid \(trace.header.pid)",
                                              intoPid: Int(trace.header.pid), deliberate: reason))
                }
            }
        }
        guard !crossings.isEmpty else { return ([], [], []) }
        let frames = batch.symbolize(using: symbolizer)
        let leaks = grouped(crossings.filter { $0.deliberate == nil }, frames: frames, idPrefix: "X")
        let passed = grouped(crossings.filter { $0.deliberate != nil }, frames: frames, idPrefix: "P")
        return (leaks, passed, batch.warnings)
    }

    /// Crossings grouped by opening code path and program (a passed group also by its reason), most first.
    private func grouped(_ crossings: [Crossing], frames: [[Frame]], idPrefix: String) -> [ExecLeakGroup] {
        struct Key: Hashable { let identity: StackIdentity; let program: String; let reason: String? }
        var order = [Key]()
        var members = [Key: [Crossing]]()
        for crossing in crossings {
            let key = Key(identity: StackIdentity(frames[crossing.stackHandle]), program: crossing.intoProgram,
                          reason: crossing.deliberate?.rawValue)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(crossing)
        }
        var groups = order.map { key -> ExecLeakGroup in
            let parts = members[key] ?? []
            let stack = frames[parts[0].stackHandle]
            let holders = parts.map { (Int(traces[$0.trace].header.pid), $0.descriptor.fd,
                                       DescriptorDescriber.describe($0.descriptor, in: traces[$0.trace])) }
            let fromPids = Set(parts.map { Int(traces[$0.trace].header.pid) }).sorted()
            return ExecLeakGroup(
                id: "",
                count: parts.count,
                kind: DescriptorKind(traceValue: LeakAnalysis.mostCommon(parts.map(\.descriptor.kind))).name,
                api: OpeningAPI.name(LeakAnalysis.mostCommon(parts.map(\.api))),
                intoProgram: key.program,
                intoPids: Set(parts.map(\.intoPid)).sorted(),
                fromPids: fromPids,
                culprit: CulpritSelector.attribute(stack, executable: nil, maxFrames: maxFrames).culprit,
                stack: Array(stack.prefix(maxFrames)),
                samples: DescriptorDescriber.samples(holders, multipleProcesses: fromPids.count > 1),
                passedBecause: key.reason)
        }
        groups.sort { $0.count != $1.count ? $0.count > $1.count : $0.intoProgram < $1.intoProgram }
        for index in groups.indices { groups[index].id = "\(idPrefix)\(index + 1)" }
        return groups
    }

    /// The program that replaced trace `index` by exec: the new image's executable, else the exec call's
    /// argument.
    private func program(after index: Int) -> (program: String, pid: Int) {
        let pid = Int(traces[index].header.pid)
        if let next = lineage.execSuccessor[index], let executable = traces[next].executable {
            return (executable, pid)
        }
        var exec: TraceEvent?
        traces[index].forEachEvent { if $0.type == 10 { exec = $0 } }
        return (exec.flatMap { traces[index].string($0.str1) } ?? "an exec'd program", pid)
    }
}
