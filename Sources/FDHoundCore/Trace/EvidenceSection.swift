// Reads section 11 (struct fdh_evidence): the live descriptor count the shim keeps, the EMFILE/ENFILE failure
// counts, and the snapshots of the code paths holding the most descriptors at the threshold crossing and at
// the first EMFILE/ENFILE. Optional: traces of writers without it read as nil.
import CFDHoundTrace

/// The shim's evidence near the descriptor limit.
public struct TraceEvidence: Equatable, Sendable {
    /// Descriptors open when the trace was read (inherited ones included).
    public let liveNow: UInt64
    /// The live count that takes the threshold snapshot; 0: never.
    public let threshold: UInt64
    public let thresholdPermille: UInt32
    public let emfileFailures: UInt64
    public let enfileFailures: UInt64
    /// Published snapshots, in trigger order (threshold, EMFILE, ENFILE).
    public let snapshots: [EvidenceSnapshotRecord]
}

/// One published `fdh_snapshot`.
public struct EvidenceSnapshotRecord: Equatable, Sendable {
    public enum Trigger: UInt32, Sendable { case threshold = 1, emfile = 2, enfile = 3 }

    public let trigger: Trigger
    public let timeNs: UInt64
    public let eventSeq: UInt64
    public let liveCount: UInt64
    /// Soft RLIMIT_NOFILE then; UInt64.max is unlimited.
    public let limit: UInt64
    /// The failing call (raw `enum fdh_api`) and its stack for EMFILE/ENFILE; 0 otherwise.
    public let api: UInt8
    public let stack: UInt32
    public let otherOpen: UInt64
    /// (call-site stack id, descriptors open) most first.
    public let sites: [(stack: UInt32, open: UInt64)]

    public static func == (a: Self, b: Self) -> Bool {
        a.trigger == b.trigger && a.timeNs == b.timeNs && a.eventSeq == b.eventSeq && a.liveCount == b.liveCount
            && a.limit == b.limit && a.api == b.api && a.stack == b.stack && a.otherOpen == b.otherOpen
            && a.sites.elementsEqual(b.sites) { $0.stack == $1.stack && $0.open == $1.open }
    }
}

enum EvidenceSection {
    /// The evidence of one trace, or nil without the section. A slot with an unknown trigger, or a trigger
    /// in the wrong slot, is skipped (counted in `corrupt`).
    /// `shardedLive`: the live count summed over the shards (version 3, `ShardCounters`); nil: the trace keeps
    /// it in `live_now` (version 2).
    static func read(reader: ByteReader, bounds: SectionBounds?,
                     shardedLive: UInt64?) -> (evidence: TraceEvidence?, corrupt: Int) {
        guard let bounds, bounds.capacity >= 1,
              let raw = reader.load(fdh_evidence.self, at: bounds.entryOffset(0)) else { return (nil, 0) }
        var snapshots = [EvidenceSnapshotRecord]()
        var corrupt = 0
        var slots = raw.snapshots
        withUnsafeBytes(of: &slots) { buffer in
            for index in 0..<Int(FDH_SNAPSHOT_SLOTS) {
                let slot = buffer.loadUnaligned(fromByteOffset: index * MemoryLayout<fdh_snapshot>.size,
                                                as: fdh_snapshot.self)
                guard slot.trigger != FDH_SNAPSHOT_NONE.rawValue else { continue }
                guard let trigger = EvidenceSnapshotRecord.Trigger(rawValue: slot.trigger),
                      Int(slot.trigger) == index + 1, slot.site_count <= FDH_SNAPSHOT_SITES else {
                    corrupt += 1
                    continue
                }
                var sites = [(stack: UInt32, open: UInt64)]()
                // sites[] is an array of an anonymous struct (not imported): {u32 stack, u32, u64 open} at
                // offset 64, 16 bytes each (pinned by the header's static assert on the snapshot size).
                let siteBase = index * MemoryLayout<fdh_snapshot>.size + 64
                for site in 0..<Int(slot.site_count) {
                    let stack = buffer.loadUnaligned(fromByteOffset: siteBase + site * 16, as: UInt32.self)
                    let open = buffer.loadUnaligned(fromByteOffset: siteBase + site * 16 + 8, as: UInt64.self)
                    if open > 0 { sites.append((stack, open)) }
                }
                // Written ascending by count; the report wants the biggest first, ties by stack id.
                sites.sort { $0.open != $1.open ? $0.open > $1.open : $0.stack < $1.stack }
                snapshots.append(EvidenceSnapshotRecord(
                    trigger: trigger, timeNs: slot.time_ns, eventSeq: slot.event_seq, liveCount: slot.live_count,
                    limit: slot.limit, api: UInt8(truncatingIfNeeded: slot.api), stack: slot.stack,
                    otherOpen: slot.other_open, sites: sites))
            }
        }
        return (TraceEvidence(liveNow: shardedLive ?? raw.live_now, threshold: raw.threshold,
                              thresholdPermille: raw.threshold_permille, emfileFailures: raw.emfile_failures,
                              enfileFailures: raw.enfile_failures, snapshots: snapshots), corrupt)
    }
}
