// Reads the per-opening-stack counters (struct fdh_call_site): exact opened/closed totals for a code path,
// independent of the event log. Since version 3 the section holds one table per thread shard (a stack may
// have a slot in several): a code path's totals are the sums over the tables.
import CFDHoundTrace

/// Exact counters for one opening stack.
public struct CallSite: Equatable, Sendable {
    public let stack: UInt32
    public let opened: UInt64
    public let closed: UInt64
}

struct CallSiteTable {
    let sites: [UInt32: CallSite]
    /// Slots naming a stack already seen in the same table (the writer claims one slot per stack and table,
    /// so this is corruption).
    let duplicates: Int

    /// `tables`: how many equal tables the section is split into (SectionDirectory.callSiteTables).
    init(reader: ByteReader, bounds: SectionBounds, tables: Int) {
        var totals = [UInt32: (opened: UInt64, closed: UInt64)]()
        var seen = Set<UInt64>() // table << 32 | stack
        var duplicates = 0
        let perTable = max(bounds.capacity / max(tables, 1), 1)
        reader.forEachEntry(fdh_call_site.self, in: bounds) { index, slot in
            guard slot.stack != 0 else { return true }
            guard seen.insert(UInt64(index / perTable) << 32 | UInt64(slot.stack)).inserted else {
                duplicates += 1
                return true
            }
            let before = totals[slot.stack] ?? (0, 0)
            // Counters wrap at 2^64 in the writer too (atomic adds): sum alike, never trap on a corrupt file.
            totals[slot.stack] = (before.opened &+ slot.opened, before.closed &+ slot.closed)
            return true
        }
        self.sites = totals.reduce(into: [:]) { sites, entry in
            sites[entry.key] = CallSite(stack: entry.key, opened: entry.value.opened, closed: entry.value.closed)
        }
        self.duplicates = duplicates
    }
}
