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
        let earlierClose: Int?  // stack handles (the offending close is the group's own stack)
        let open: Int?
    }

    /// An event a finding may name: where it is in the log and its stack.
    fileprivate struct Mark {
        let seq: UInt64
        let stack: UInt32
        init(_ event: TraceEvent) { seq = event.seq; stack = event.stack }
    }

    /// What the log said about one descriptor number so far (events on `fd` only, misuse records aside).
    fileprivate struct History {
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
            case .open, .owner:
                lastOpenOrOwner = Mark(event)
                if event.type == .open { lastOpening = Mark(event) }
            case .inherited:
                lastOpening = Mark(event)
            case .close:
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

    /// The streaming state of one trace: per descriptor number only the events a finding can name, and each
    /// misuse record with that history as it stood. Fed by this pass's own read or by SharedEventRead.
    struct Collector {
        private var history = DescriptorNumberMap(initial: History())
        fileprivate private(set) var misuses = [(misuse: TraceEvent, history: History)]()

        mutating func take(_ event: TraceEvent) {
            switch event.type {
            case .misuse: misuses.append((event, history[event.fd]))
            case .open, .close, .owner, .inherited: history.update(event.fd) { $0.add(event) }
            default: break
            }
        }

        /// What the findings need once the log is read: the misuse records, not the per-number histories
        /// (a report holds every trace's collector until its passes have run).
        func misusesOnly() -> Collector {
            var kept = Collector()
            kept.misuses = misuses
            return kept
        }
    }

    /// Per trace index, what SharedEventRead collected; nil: this pass reads each log itself.
    var collected: [Collector]? = nil

    func run() -> (groups: [MisuseGroup], warnings: [String]) {
        var grouping = CodePathGrouping<Finding, String>(traces: traces)  // key: the kind of misuse
        // Per trace: closes of a descriptor not open whose history is partly earlier than the kept window.
        var unsure = [Int: Int]()
        for (index, trace) in traces.enumerated() {
            let misuses: [(misuse: TraceEvent, history: History)]
            if let collected {
                misuses = collected[index].misuses
            } else {
                var collector = Collector()
                trace.forEachEvent { collector.take($0) }
                misuses = collector.misuses
            }
            for (misuse, past) in misuses {
                var earlier: Mark?
                var opening: Mark?
                var kind: String
                if misuse.misuse == .closeOwned {
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
                let finding = Finding(
                    trace: index, kind: kind, fd: Int(misuse.fd), description: trace.string(misuse.str1),
                    owner: misuse.owner,
                    earlierClose: earlier.map { grouping.addStack($0.stack, trace: index, seq: $0.seq) },
                    open: opening.map { grouping.addStack($0.stack, trace: index, seq: $0.seq) })
                grouping.add(finding, stack: misuse.stack, trace: index, seq: misuse.seq, key: kind)
            }
        }
        guard !grouping.isEmpty else { return ([], []) }
        let windowWarnings = unsure.keys.sorted().map { index in
            "process \(traces[index].header.pid): \(unsure[index] ?? 0) close(s) of a descriptor that was not open may be double closes: an earlier close would be earlier than the kept window of the event log"
        }
        let (codePaths, frames) = grouping.grouped(using: symbolizer)
        func site(_ stack: [Frame]) -> MisuseGroup.Site {
            MisuseGroup.Site(culprit: CulpritSelector.attribute(stack, executable: nil, maxFrames: maxFrames).culprit,
                             stack: Array(stack.prefix(maxFrames)))
        }
        let groups = codePaths.map { code -> MisuseGroup in
            let parts = code.members
            let first = parts[0]
            return MisuseGroup(
                id: "", kind: code.key, count: parts.count,
                fd: first.fd, description: first.description,
                owner: code.key == "owner-violation" ? DescriptorOwner.name(first.owner) : nil,
                pids: Set(parts.map { Int(traces[$0.trace].header.pid) }).sorted(),
                close: site(code.stack), earlierClose: first.earlierClose.map { site(frames[$0]) },
                open: first.open.map { site(frames[$0]) })
        }
        let ranked = FindingRanking.rank(groups, prefix: "M") { $0.count != $1.count ? $0.count > $1.count : $0.kind < $1.kind }
        return (ranked, windowWarnings + grouping.warnings)
    }
}
