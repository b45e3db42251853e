// The one grouping step every analysis pass runs: collect members (each with the recorded stack that
// explains it) → resolve and symbolize their stacks in one batch → group the members whose stacks are the
// same code path (StackIdentity) and share the pass's own key → hand the groups back, first seen first.
// Passes then build their report groups from these and rank them (FindingRanking). A stack is resolved
// once per (trace, stack id): a loop opens thousands of descriptors from one call site.

/// Groups `Member`s by code path and a pass-specific `Key` (`NoKey` when the code path alone decides).
struct CodePathGrouping<Member, Key: Hashable> {
    /// One group: the members of one code path (and key), in the order they were added.
    struct Group {
        let key: Key
        /// The symbolized stack of the group's first member (it represents the group).
        let stack: [Frame]
        var members: [Member]
    }

    /// Members belong together when their stacks are the same code path and their keys are equal.
    private struct GroupKey: Hashable { let identity: StackIdentity; let key: Key }

    private(set) var batch: StackBatch
    private var entries = [(member: Member, handle: Int, key: Key)]()

    init(traces: [TraceFile]) {
        batch = StackBatch(traces: traces)
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Adds `member`, explained by stack `stack` of trace `trace` (placed in the modules loaded at `seq`).
    mutating func add(_ member: Member, stack: UInt32, trace: Int, seq: UInt64, key: Key) {
        entries.append((member, batch.add(stack, trace: trace, seq: seq), key))
    }

    /// A further stack a pass shows beside its group's (a misuse's earlier close); read it with `frames`.
    mutating func addStack(_ stack: UInt32, trace: Int, seq: UInt64) -> Int {
        batch.add(stack, trace: trace, seq: seq)
    }

    /// Distinct stacks added so far (members' and further ones).
    var stackCount: Int { batch.count }

    /// The groups, first seen first, and the frames of every stack added (by handle). At most
    /// `symbolizeAtMost` of the members' distinct stacks are symbolized, those with the most members
    /// first; the others stay module+offset. Further stacks (`addStack`) are always symbolized.
    func grouped(using symbolizer: Symbolizer, symbolizeAtMost limit: Int = .max) -> (groups: [Group], frames: [[Frame]]) {
        var chosen: Set<Int>? = nil
        if batch.count > limit {
            var weight = [Int](repeating: 0, count: batch.count)
            for entry in entries { weight[entry.handle] += 1 }
            let ranked = weight.indices.filter { weight[$0] > 0 }
                .sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }
            chosen = Set(ranked.prefix(limit)).union(weight.indices.filter { weight[$0] == 0 })
        }
        let frames = batch.symbolize(using: symbolizer, only: chosen)
        var identities = [Int: StackIdentity]()
        var position = [GroupKey: Int]()
        var groups = [Group]()
        for entry in entries {
            let identity = identities[entry.handle] ?? StackIdentity(frames[entry.handle])
            identities[entry.handle] = identity
            let groupKey = GroupKey(identity: identity, key: entry.key)
            if let index = position[groupKey] {
                groups[index].members.append(entry.member)
            } else {
                position[groupKey] = groups.count
                groups.append(Group(key: entry.key, stack: frames[entry.handle], members: [entry.member]))
            }
        }
        return (groups, frames)
    }

    var warnings: [String] { batch.warnings }
}

extension CodePathGrouping where Key == NoKey {
    mutating func add(_ member: Member, stack: UInt32, trace: Int, seq: UInt64) {
        add(member, stack: stack, trace: trace, seq: seq, key: NoKey())
    }
}

/// The key of passes that group by code path alone.
struct NoKey: Hashable {}
