// Reads section 13 (struct fdh_shard, version 3): counters the shim splits by thread so that threads never
// add to one cache line. The live descriptor count is the sum of the shards' counts, modulo 2^64 (a shard
// that closed descriptors another opened is below zero on its own).
import CFDHoundTrace

enum ShardCounters {
    /// Descriptors open, summed over the shards; nil without the section (older traces: evidence.live_now).
    static func live(reader: ByteReader, bounds: SectionBounds?) -> UInt64? {
        guard let bounds else { return nil }
        var live: UInt64 = 0
        reader.forEachEntry(fdh_shard.self, in: bounds) { _, shard in
            live &+= shard.live
            return true
        }
        return live
    }
}
