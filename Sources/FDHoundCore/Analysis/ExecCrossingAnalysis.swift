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
        let intoProgram: String
        let intoPid: Int
        /// Why it was passed on purpose; nil: a leak.
        let deliberate: DeliberatePassing.Reason?
    }

    func run() -> (groups: [ExecLeakGroup], passed: [ExecLeakGroup], warnings: [String]) {
        var grouping = CodePathGrouping<Crossing, Key>(traces: traces)
        func add(_ crossing: Crossing, stack: UInt32, trace: Int, seq: UInt64) {
            grouping.add(crossing, stack: stack, trace: trace, seq: seq,
                         key: Key(program: crossing.intoProgram, reason: crossing.deliberate?.rawValue))
        }
        for (index, trace) in traces.enumerated() {
            if trace.header.processState == .execed {
                let into = program(after: index)
                let deciding = DeliberatePassing.lastDecidingEvents(in: trace)  // one streamed pass
                let newArguments = lineage.execSuccessor[index].map { traces[$0].arguments } ?? []
                let forked = trace.header.flags.contains(.forked)
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
                    add(Crossing(trace: index, descriptor: descriptor, api: api, intoProgram: into.program,
                                 intoPid: into.pid, deliberate: reason), stack: stack, trace: stackTrace, seq: seq)
                }
            }
            // A program spawned (posix_spawn, vfork, clone) by a traced parent: what it inherited came from the
            // parent.
            if lineage.execPredecessor[index] == nil, let spawn = lineage.spawnedBy[index],
               !trace.header.flags.contains(.forked) /* forked: same image, not a new program */ {
                for descriptor in trace.liveDescriptors where descriptor.fd > 2 && descriptor.state == .inherited {
                    guard let origin = lineage.origin(of: descriptor.fd, in: index) else { continue }
                    if origin.stack == 0 { continue }
                    let reason = DeliberatePassing.reason(
                        closeOnExecInParent: lineage.closeOnExec(of: descriptor.fd, in: spawn.trace, before: spawn.seq),
                        fd: descriptor.fd, arguments: trace.arguments)
                    add(Crossing(trace: spawn.trace, descriptor: descriptor, api: origin.api,
                                 intoProgram: trace.executable ?? "pid \(trace.header.pid)",
                                 intoPid: Int(trace.header.pid), deliberate: reason),
                        stack: origin.stack, trace: origin.trace, seq: origin.seq)
                }
            }
        }
        guard !grouping.isEmpty else { return ([], [], []) }
        let codePaths = grouping.grouped(using: symbolizer).groups
        let leaks = codePaths.filter { $0.key.reason == nil }.map(makeGroup)
        let passed = codePaths.filter { $0.key.reason != nil }.map(makeGroup)
        return (rank(leaks, prefix: "X"), rank(passed, prefix: "P"), grouping.warnings)
    }

    /// Crossings are grouped by opening code path, program, and (passed on purpose) reason.
    private struct Key: Hashable { let program: String; let reason: String? }

    private func makeGroup(_ code: CodePathGrouping<Crossing, Key>.Group) -> ExecLeakGroup {
        let parts = code.members
        let holders = parts.map { (Int(traces[$0.trace].header.pid), $0.descriptor.fd,
                                   DescriptorDescriber.describe($0.descriptor, in: traces[$0.trace])) }
        let fromPids = Set(parts.map { Int(traces[$0.trace].header.pid) }).sorted()
        return ExecLeakGroup(
            id: "",
            count: parts.count,
            kind: DescriptorKind(traceValue: LeakAnalysis.mostCommon(parts.map(\.descriptor.kind))).name,
            api: OpeningAPI.name(LeakAnalysis.mostCommon(parts.map(\.api))),
            intoProgram: code.key.program,
            intoPids: Set(parts.map(\.intoPid)).sorted(),
            fromPids: fromPids,
            culprit: CulpritSelector.attribute(code.stack, executable: nil, maxFrames: maxFrames).culprit,
            stack: Array(code.stack.prefix(maxFrames)),
            samples: DescriptorDescriber.samples(holders, multipleProcesses: fromPids.count > 1),
            passedBecause: code.key.reason)
    }

    /// Most descriptors first, then by program.
    private func rank(_ groups: [ExecLeakGroup], prefix: String) -> [ExecLeakGroup] {
        FindingRanking.rank(groups, prefix: prefix) { $0.count != $1.count ? $0.count > $1.count : $0.intoProgram < $1.intoProgram }
    }

    /// The program that replaced trace `index` by exec: the new image's executable, else the exec call's
    /// argument.
    private func program(after index: Int) -> (program: String, pid: Int) {
        let pid = Int(traces[index].header.pid)
        if let next = lineage.execSuccessor[index], let executable = traces[next].executable {
            return (executable, pid)
        }
        var exec: TraceEvent?
        traces[index].forEachEvent { if $0.type == .exec { exec = $0 } }
        return (exec.flatMap { traces[index].string($0.str1) } ?? "an exec'd program", pid)
    }
}
