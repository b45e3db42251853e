// Reads the per-opening-stack counters (struct fdh_call_site): exact opened/closed totals for a code path,
// independent of the event log.
import CFDHoundTrace

/// Exact counters for one opening stack.
public struct CallSite: Equatable, Sendable {
    public let stack: UInt32
    public let opened: UInt64
    public let closed: UInt64
    public let peakOpen: UInt64
}

struct CallSiteTable {
    let sites: [UInt32: CallSite]
    /// Slots naming a stack already seen (the writer claims one slot per stack, so this is corruption).
    let duplicates: Int

    init(reader: ByteReader, bounds: SectionBounds) {
        var sites = [UInt32: CallSite]()
        var duplicates = 0
        reader.forEachEntry(fdh_call_site.self, in: bounds) { _, slot in
            guard slot.stack != 0 else { return true }
            guard sites[slot.stack] == nil else { duplicates += 1; return true }
            sites[slot.stack] = CallSite(stack: slot.stack, opened: slot.opened, closed: slot.closed,
                                         peakOpen: slot.peak_open)
            return true
        }
        self.sites = sites
        self.duplicates = duplicates
    }
}
