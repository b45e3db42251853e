// Descriptors handed to another program on purpose. A descriptor that crosses an exec without close-on-exec
// is usually a leak, but programs also pass descriptors to the programs they start, deliberately:
//   - Python's subprocess `pass_fds` and multiprocessing's spawn/forkserver open them close-on-exec and
//     clear FD_CLOEXEC in the child, between fork (or vfork) and exec;
//   - a shell dup2s a redirection onto its number in the child (`cmd 3<file`), and dup2 clears
//     close-on-exec on the copy; posix_spawn's file actions do the same inside the spawned child;
//   - bash names its process-substitution pipes on the command line (`diff <(…) <(…)` runs
//     `diff /dev/fd/63 /dev/fd/62`).
// Advice to open them with O_CLOEXEC would break each of these programs, so ExecCrossingAnalysis reports
// them apart (JSON `execPassed`), never as leaks. Each test reads only what the traces recorded before the
// exec (or before the parent's FORK event, which the shim reserves before making the child).

enum DeliberatePassing {
    /// Why a crossing was meant, as the report words it.
    enum Reason: String {
        case closeOnExecCleared = "close-on-exec cleared before the exec"
        case placedInChild = "dup2/dup3 onto its number in the child, between fork and exec"
        case madeInheritableForChild = "close-on-exec in the parent: made inheritable for this child only"
        case namedOnCommandLine = "named on the new program's command line (/dev/fd/N)"
    }

    /// A process exec'd holding `fd` without close-on-exec: did it make the descriptor inheritable itself?
    /// `events`: the process's event log; `forked`: its trace began at a fork (so every event is in the
    /// child, between fork and exec); `arguments`: the new program's command line.
    static func reason(fd: Int, events: [TraceEvent], forked: Bool, arguments: [String]) -> Reason? {
        reason(fd: fd, lastDeciding: events.last(where: { decides(fd: fd, $0) }), forked: forked, arguments: arguments)
    }

    /// The same, given the last event that decided whether `fd` survives an exec (`lastDecidingEvents`
    /// collects them in one streaming pass over a log; nil when the kept log has none).
    static func reason(fd: Int, lastDeciding: TraceEvent?, forked: Bool, arguments: [String]) -> Reason? {
        if namedOnCommandLine(fd: fd, arguments: arguments) { return .namedOnCommandLine }
        guard let last = lastDeciding else { return nil }
        switch last.type {
        case .cloexec where last.arg == 0: return .closeOnExecCleared
        case .dup where forked && OpeningAPI.placesAtNumber(last.api): return .placedInChild // dup2, dup3
        default: return nil
        }
    }

    /// A program started by a traced parent (posix_spawn, vfork) inherited `fd`, which the parent held
    /// close-on-exec when it made the child: only the child's own action can have passed it.
    static func reason(closeOnExecInParent: Bool?, fd: Int, arguments: [String]) -> Reason? {
        if namedOnCommandLine(fd: fd, arguments: arguments) { return .namedOnCommandLine }
        return closeOnExecInParent == true ? .madeInheritableForChild : nil
    }

    /// Whether an argument names the descriptor by path: /dev/fd/N or /proc/self/fd/N (N not followed by
    /// another digit), anywhere in the argument (`--input=/dev/fd/3`).
    static func namedOnCommandLine(fd: Int, arguments: [String]) -> Bool {
        let names = ["/dev/fd/\(fd)", "/proc/self/fd/\(fd)"]
        for argument in arguments.dropFirst() {
            for name in names {
                var searchStart = argument.startIndex
                while let range = argument.range(of: name, range: searchStart..<argument.endIndex) {
                    if range.upperBound == argument.endIndex || !argument[range.upperBound].isNumber { return true }
                    searchStart = range.upperBound
                }
            }
        }
        return false
    }

    /// Events that open `fd`, or change whether it is close-on-exec.
    /// Per descriptor number, the last event of `trace`'s log that decided whether it survives an exec.
    static func lastDecidingEvents(in trace: TraceFile) -> [Int: TraceEvent] {
        var last = [Int: TraceEvent]()
        trace.forEachEvent { event in
            switch event.type {
            case .open:
                if event.fd >= 0 { last[Int(event.fd)] = event }
                if event.fd2 >= 0 { last[Int(event.fd2)] = event }
            case .dup where event.fd2 >= 0: last[Int(event.fd2)] = event
            case .inherited, .cloexec: if event.fd >= 0 { last[Int(event.fd)] = event }
            default: break
            }
        }
        return last
    }

    private static func decides(fd: Int, _ event: TraceEvent) -> Bool {
        switch event.type {
        case .open: return Int(event.fd) == fd || Int(event.fd2) == fd // pairs too
        case .dup: return Int(event.fd2) == fd // the target
        case .inherited, .cloexec: return Int(event.fd) == fd
        default: return false
        }
    }
}
