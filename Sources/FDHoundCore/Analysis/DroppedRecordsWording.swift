// What a trace's dropped-record counters say, with the right cause. The shim counts a record it could not
// store in one counter whatever the reason: its table was full, or (header flag DISK_FULL) the file system
// refused the block. Blaming "event log full" for a full disk sends the user to the wrong setting, so when
// the disk filled up the cause is worked out per counter: exactly where the header allows it (events past
// the log's capacity; strings past the arena's; descriptors above the live table's capacity cannot exist
// when it covers the hard RLIMIT_NOFILE), and named as "the disk, or the table" where it does not.
import CFDHoundTrace

enum DroppedRecordsWording {
    /// One sentence per non-zero counter, without the process name.
    static func sentences(for trace: TraceFile) -> [String] {
        let header = trace.header
        let diskFull = header.flags.contains(.diskFull)
        var sentences = [String]()
        let add = { (count: UInt64, text: String) in if count > 0 { sentences.append("\(count) \(text)") } }

        // Events of a ring log (version 2) are never refused for want of room — the oldest are overwritten
        // (EventWindowWording) — only when their slot was still being written by another thread, or the disk.
        if trace.eventLogIsRing {
            add(header.eventsDropped, diskFull
                ? "events not stored: the disk was full, or their slot in the event log was still being written"
                : "events not stored: their slot in the event log was still being written by another thread")
        }
        // Version 1 events: slots past the log's capacity were refused by the log, the rest by the disk.
        let pastLog = header.eventsNext > UInt64(trace.capacities.events)
            ? min(header.eventsDropped, header.eventsNext - UInt64(trace.capacities.events)) : 0
        if !trace.eventLogIsRing {
            add(diskFull ? header.eventsDropped - pastLog : 0,
                "events not stored because the disk was full")
            add(diskFull ? pastLog : header.eventsDropped, "events not stored (event log full; leak counts stay exact)")
        }

        // Strings: strings_used grows even for refused records, so it passes the capacity only if the arena filled.
        let arenaFilled = header.stringsUsed > UInt64(trace.capacities.stringBytes)
        add(header.stringsDropped, !diskFull ? "strings not stored (string arena full; some paths and endpoints are missing)"
            : arenaFilled ? "strings not stored (the disk was full and the string arena filled up; some paths and endpoints are missing)"
            : "strings not stored because the disk was full (some paths and endpoints are missing)")

        add(header.modulesDropped, "modules not recorded (module table full; some frames have no module)")
        add(header.stacksDropped, diskFull
            ? "stacks not stored (the disk was full, or the stack table filled up; some descriptors have no stack)"
            : "stacks not stored (stack table full; some descriptors have no stack)")

        // Live descriptors: none can be numbered at or above the hard limit, so a table covering it never overflows.
        let tableCoversLimit = header.rlimitHard != UInt64.max && UInt64(trace.capacities.liveDescriptors) >= header.rlimitHard
        add(header.liveDropped, !diskFull
            ? "descriptors above the live table's capacity were not tracked (leaks among them are not reported)"
            : tableCoversLimit ? "descriptors were not tracked because the disk was full (leaks among them are not reported)"
            : "descriptors were not tracked: the disk was full, or they were numbered at or above the live table's "
                + "capacity of \(trace.capacities.liveDescriptors) (leaks among them are not reported)")
        add(header.sitesDropped, diskFull
            ? "opening stacks had no call-site slot: the disk was full, or the table filled up (no opened/closed totals for them)"
            : "opening stacks had no room in the call-site table (no opened/closed totals for them)")
        return sentences
    }
}
