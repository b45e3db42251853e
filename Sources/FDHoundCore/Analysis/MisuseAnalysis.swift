// Descriptor misuse the shim saw, with the stacks that explain it:
//   - a close of a descriptor that was not open (EBADF): a double close when an earlier close of the same
//     number exists — shown with the offending close, the earlier close and the original open;
//   - a raw close() of a descriptor owned by a FILE*, DIR* or D-Bus connection: the owner will close the
//     number again later, when it may belong to someone else (the class Android's fdsan catches).
// Identical misuse (same kind, same offending code path) is counted once with a count.

struct MisuseAnalysis {
    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int

    private struct Finding {
        let trace: Int
        let kind: String
        let fd: Int
        let description: String?
        let owner: UInt8
        let close: Int          // stack handles
        let earlierClose: Int?
        let open: Int?
    }

    func run() -> (groups: [MisuseGroup], warnings: [String]) {
        var batch = StackBatch(traces: traces)
        var findings = [Finding]()
        for (index, trace) in traces.enumerated() {
            let events = trace.events().events
            let misuses = events.filter { $0.type == 14 }
            guard !misuses.isEmpty else { continue }
            let byFD = Dictionary(grouping: events.filter { $0.type != 14 }, by: { $0.fd })
            for misuse in misuses {
                let history = (byFD[misuse.fd] ?? []).filter { $0.seq < misuse.seq }
                let closeHandle = batch.add(misuse.stack, trace: index, seq: misuse.seq)
                var earlier: TraceEvent?
                var opening: TraceEvent?
                var kind: String
                if misuse.arg == 2 {
                    kind = "owner-violation"
                    opening = history.last { $0.type == 1 || $0.type == 5 }
                } else {
                    // The offending close is the last close before the misuse record; an earlier successful
                    // close of the number makes it a double close.
                    let closes = history.filter { $0.type == 2 }
                    earlier = closes.dropLast().last { $0.result == 0 }
                    kind = earlier == nil ? "close-not-open" : "double-close"
                    if let earlier { opening = history.last { ($0.type == 1 || $0.type == 6) && $0.seq < earlier.seq } }
                }
                findings.append(Finding(
                    trace: index, kind: kind, fd: Int(misuse.fd), description: trace.string(misuse.str1),
                    owner: misuse.owner, close: closeHandle,
                    earlierClose: earlier.map { batch.add($0.stack, trace: index, seq: $0.seq) },
                    open: opening.map { batch.add($0.stack, trace: index, seq: $0.seq) }))
            }
        }
        guard !findings.isEmpty else { return ([], []) }
        let frames = batch.symbolize(using: symbolizer)

        struct Key: Hashable { let kind: String; let identity: StackIdentity }
        var order = [Key]()
        var members = [Key: [Finding]]()
        for finding in findings {
            let key = Key(kind: finding.kind, identity: StackIdentity(frames[finding.close]))
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(finding)
        }
        func site(_ handle: Int) -> MisuseGroup.Site {
            let stack = frames[handle]
            return MisuseGroup.Site(culprit: CulpritSelector.attribute(stack, executable: nil, maxFrames: maxFrames).culprit,
                                    stack: Array(stack.prefix(maxFrames)))
        }
        var groups = order.map { key -> MisuseGroup in
            let parts = members[key] ?? []
            let first = parts[0]
            return MisuseGroup(
                id: "", kind: key.kind, count: parts.count,
                fd: first.fd, description: first.description,
                owner: key.kind == "owner-violation" ? DescriptorOwner.name(first.owner) : nil,
                pids: Set(parts.map { Int(traces[$0.trace].header.pid) }).sorted(),
                close: site(first.close), earlierClose: first.earlierClose.map(site), open: first.open.map(site))
        }
        groups.sort { $0.count != $1.count ? $0.count > $1.count : $0.kind < $1.kind }
        for index in groups.indices { groups[index].id = "M\(index + 1)" }
        return (groups, batch.warnings)
    }
}
