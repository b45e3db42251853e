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

    /// An event a finding may name: where it is in the log and its stack.
    private struct Mark {
        let seq: UInt64
        let stack: UInt32
        init(_ event: TraceEvent) { seq = event.seq; stack = event.stack }
    }

    /// What the log said about one descriptor number so far (events on `fd` only, misuse records aside).
    private struct History {
        /// The last OPEN or OWNER event (who gave the descriptor its owner).
        var lastOpenOrOwner: Mark?
        /// The last OPEN or INHERITED event.
        var lastOpening: Mark?
        /// The last CLOSE (and whether it succeeded), and the last OPEN/INHERITED before it.
        var lastClose: Mark?
        var lastCloseSucceeded = false
        var openingBeforeLastClose: Mark?
        /// The last successful CLOSE before `lastClose`, and the OPEN/INHERITED before that one.
        var successfulCloseBeforeLast: Mark?
        var openingBeforeSuccessfulClose: Mark?

        mutating func add(_ event: TraceEvent) {
            switch event.type {
            case 1, 5:
                lastOpenOrOwner = Mark(event)
                if event.type == 1 { lastOpening = Mark(event) }
            case 6:
                lastOpening = Mark(event)
            case 2:
                if let last = lastClose, lastCloseSucceeded {
                    successfulCloseBeforeLast = last
                    openingBeforeSuccessfulClose = openingBeforeLastClose
                }
                lastClose = Mark(event)
                lastCloseSucceeded = event.result == 0
                openingBeforeLastClose = lastOpening
            default:
                break
            }
        }
    }

    func run() -> (groups: [MisuseGroup], warnings: [String]) {
        var batch = StackBatch(traces: traces)
        var findings = [Finding]()
        // Per trace: closes of a descriptor not open whose history is partly earlier than the kept window.
        var unsure = [Int: Int]()
        for (index, trace) in traces.enumerated() {
            // One streaming pass; per descriptor number only the events a finding can name are kept.
            var history = [Int32: History]()
            var misuses = [(misuse: TraceEvent, history: History)]()
            trace.forEachEvent { event in
                switch event.type {
                case 14: misuses.append((event, history[event.fd] ?? History()))
                case 1, 2, 5, 6: history[event.fd, default: History()].add(event)
                default: break
                }
            }
            for (misuse, past) in misuses {
                let closeHandle = batch.add(misuse.stack, trace: index, seq: misuse.seq)
                var earlier: Mark?
                var opening: Mark?
                var kind: String
                if misuse.arg == 2 {
                    kind = "owner-violation"
                    opening = past.lastOpenOrOwner
                } else {
                    // The offending close is the last close before the misuse record; an earlier successful
                    // close of the number makes it a double close.
                    earlier = past.successfulCloseBeforeLast
                    kind = earlier == nil ? "close-not-open" : "double-close"
                    if earlier != nil { opening = past.openingBeforeSuccessfulClose }
                }
                if kind == "close-not-open" && trace.eventsOverwritten > 0 { unsure[index, default: 0] += 1 }
                findings.append(Finding(
                    trace: index, kind: kind, fd: Int(misuse.fd), description: trace.string(misuse.str1),
                    owner: misuse.owner, close: closeHandle,
                    earlierClose: earlier.map { batch.add($0.stack, trace: index, seq: $0.seq) },
                    open: opening.map { batch.add($0.stack, trace: index, seq: $0.seq) }))
            }
        }
        guard !findings.isEmpty else { return ([], []) }
        let windowWarnings = unsure.keys.sorted().map { index in
            "process \(traces[index].header.pid): \(unsure[index] ?? 0) close(s) of a descriptor that was not open may be double closes: an earlier close would be earlier than the kept window of the event log"
        }
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
        return (groups, windowWarnings + batch.warnings)
    }
}
