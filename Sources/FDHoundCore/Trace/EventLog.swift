// Reads the event log (struct fdh_event) in one streaming pass, oldest kept event first: nothing is kept
// but the event being handed out, and the pages passed are given back as the pass goes, so reading a
// 10 M-event log costs the same memory as reading ten events.
//
// Version 2 logs are a ring (event seq S at slot S % capacity): once full, the kept window is the last
// `capacity` sequence numbers and everything before it was overwritten. Version 1 logs kept the first
// `capacity` events and dropped the rest. A slot is handed out only when its copy is consistent
// (fdh_event_read: the commit word was the same before and after the copy) and its word and seq name the
// event due at that slot; the others are counted, so a report can say how much of the log it could not use.
import CFDHoundTrace

/// One published event, decoded. Its type is decoded once here (EventType); the other byte fields keep
/// their `fdhound_trace.h` meaning (`kind` → DescriptorKind, `api` → OpeningAPI, `owner` → DescriptorOwner).
public struct TraceEvent: Equatable, Sendable {
    public let seq: UInt64
    public let type: EventType
    public let api: UInt8
    public let kind: UInt8
    public let owner: UInt8
    public let fd: Int32
    public let fd2: Int32
    public let result: Int32
    public let err: Int32
    public let timeNs: UInt64
    public let tid: UInt32
    /// In an always-on trace, a partial opening stack reads as its code path's full stack (StackSampling).
    public internal(set) var stack: UInt32
    public let str1: UInt32
    public let str2: UInt32
    public let arg: UInt64

    /// What a MISUSE event reports; nil for other events (and unknown values).
    public var misuse: MisuseKind? { type == .misuse ? MisuseKind(rawValue: arg) : nil }
}

/// What one pass over the log found besides the events themselves.
public struct EventLogSummary: Equatable, Sendable {
    /// Events handed out.
    public var count = 0
    /// Slots in the kept window with no usable event: never published (a writer was interrupted or is
    /// still writing), owned by a writer when read, or still holding an older event because the writer of
    /// the one due there dropped it (its slot was busy).
    public var unpublished = 0
    /// Published slots whose seq cannot belong there: corrupt, skipped.
    public var corrupt = 0
    /// Events the ring overwrote before the trace was read: every seq below `windowStart`.
    public var overwritten: UInt64 = 0
    /// The first sequence number the log still holds (0 unless the ring wrapped).
    public var windowStart: UInt64 = 0
    /// The oldest event handed out (its seq and time tell where the kept window starts).
    public var first: TraceEvent?
    /// Pages of the file that could not be read during the pass (it shrank while it was read, or a hole on
    /// a full tmpfs): their slots read as unpublished.
    public var unreadablePages = 0
}

/// The result of collecting the whole log (TraceFile.events()): the events plus the pass's summary.
public struct EventScan: Equatable, Sendable {
    public var events: [TraceEvent] = []
    public var summary = EventLogSummary()
    public var unpublished: Int { summary.unpublished }
    public var corrupt: Int { summary.corrupt }
}

/// The events section of one trace.
struct EventLog {
    let reader: ByteReader
    let bounds: SectionBounds
    let eventsNext: UInt64
    /// Format version 2 and later: the log is a ring.
    let ring: Bool

    /// Sequence numbers [windowStart, windowEnd) are the ones the log can hold.
    var windowStart: UInt64 {
        ring && eventsNext > UInt64(bounds.capacity) ? eventsNext - UInt64(bounds.capacity) : 0
    }
    var windowEnd: UInt64 { ring ? eventsNext : min(eventsNext, UInt64(bounds.capacity)) }

    /// Pages given back after every this many slots read.
    private static let releaseEvery = 65_536

    /// Hands every usable event of the kept window to `body`, in sequence order.
    func forEach(_ body: (TraceEvent) throws -> Void) rethrows -> EventLogSummary {
        var summary = EventLogSummary()
        let faultsBefore = reader.storage.faults
        summary.windowStart = windowStart
        summary.overwritten = windowStart
        guard bounds.capacity > 0 else { return summary }
        let capacity = UInt64(bounds.capacity)
        var sinceRelease = 0
        var releaseFrom = Int(windowStart % capacity)
        var seq = windowStart
        let end = windowEnd
        var page = (index: -1, hole: false)
        // Slot and commit word follow seq step by step: no division per event (a pass reads millions).
        var slot = Int(windowStart % capacity)
        var word = fdh_event_commit_word(windowStart, capacity)
        while seq < end {
            if slot == bounds.capacity { slot = 0 }
            if slot == 0 && seq != windowStart {  // wrapped to the start of the section: the next lap
                release(from: releaseFrom, to: bounds.capacity)
                releaseFrom = 0
                sinceRelease = 0
                word = fdh_event_commit_word(seq, capacity)
            }
            if let event = read(slot: slot, seq: seq, due: word, summary: &summary, page: &page) {
                if summary.first == nil { summary.first = event }
                summary.count += 1
                try body(event)
            }
            sinceRelease += 1
            if sinceRelease == Self.releaseEvery {
                release(from: releaseFrom, to: slot + 1)
                releaseFrom = slot + 1
                sinceRelease = 0
            }
            seq += 1
            slot += 1
        }
        if end > windowStart { release(from: releaseFrom, to: Int((end - 1) % capacity) + 1) }
        summary.unreadablePages = reader.storage.faults - faultsBefore
        return summary
    }

    /// The newest usable event below seq `limit` (nil: the end of the window) that `matches`, looking back
    /// from the end: a pass that must know where its window ends before it streams reads only the tail.
    func lastEvent(below limit: UInt64? = nil, where matches: (TraceEvent) -> Bool) -> TraceEvent? {
        guard bounds.capacity > 0 else { return nil }
        let capacity = UInt64(bounds.capacity)
        var summary = EventLogSummary()
        var page = (index: -1, hole: false)
        var seq = min(windowEnd, limit ?? .max)
        var releaseTo = Int((seq &- 1) % capacity) + 1, read = 0
        defer { if seq < windowEnd { release(from: Int(seq % capacity), to: releaseTo) } }
        while seq > windowStart {
            seq -= 1
            let slot = Int(seq % capacity)
            if let event = self.read(slot: slot, seq: seq, due: fdh_event_commit_word(seq, capacity),
                                     summary: &summary, page: &page), matches(event) {
                return event
            }
            read += 1
            if slot == 0 || read % Self.releaseEvery == 0 {  // give back what the look back passed
                release(from: slot, to: releaseTo)
                releaseTo = slot == 0 ? bounds.capacity : slot
            }
        }
        return nil
    }

    /// The event due at `slot` for `seq`, or nil (counted in `summary`); `due` is the commit word that
    /// publishes `seq` (fdh_event_commit_word). Whether the slot lies in a hole is decided once per page
    /// (`page` caches the last verdict).
    private func read(slot: Int, seq: UInt64, due: UInt32, summary: inout EventLogSummary,
                      page: inout (index: Int, hole: Bool)) -> TraceEvent? {
        let size = MemoryLayout<fdh_event>.size
        let offset = bounds.entryOffset(slot)
        guard let address = reader.rawRange(at: offset, count: size) else {
            summary.unpublished += 1  // cannot happen: validation keeps the section inside the file
            return nil
        }
        let pageIndex = offset >> 12
        if pageIndex != page.index || (offset + size - 1) >> 12 != pageIndex {
            page = (pageIndex, reader.storage.isHole(offset, size))
        }
        guard !page.hole else { summary.unpublished += 1; return nil }  // a hole: never written
        var e = fdh_event()
        let word: UInt32
        if Int(bitPattern: address) % MemoryLayout<UInt64>.alignment == 0 {
            word = fdh_event_read(address.assumingMemoryBound(to: fdh_event.self), &e)
        } else {
            // A corrupt entry size can misalign slots; a file read that way is not being written by a shim.
            e = address.loadUnaligned(as: fdh_event.self)
            word = e.commit == FDH_EVENT_UNPUBLISHED.rawValue ? FDH_EVENT_BUSY.rawValue : e.commit
        }
        guard word != FDH_EVENT_BUSY.rawValue else { summary.unpublished += 1; return nil }
        let capacity = UInt64(bounds.capacity)
        if ring && e.seq == seq {
            // The usual case, without a division: the slot is seq's, so only the word can be wrong.
            guard word == due else { summary.corrupt += 1; return nil }
        } else if ring {
            guard e.seq % capacity == UInt64(slot), word == fdh_event_commit_word(e.seq, capacity) else {
                summary.corrupt += 1
                return nil
            }
            // A consistent event of another lap: the one due here was dropped, or overwritten while read.
            summary.unpublished += 1
            return nil
        } else {
            guard word == FDH_EVENT_PUBLISHED.rawValue else { summary.unpublished += 1; return nil }
            guard e.seq == seq else { summary.corrupt += 1; return nil }
        }
        return TraceEvent(seq: e.seq, type: EventType(traceValue: e.type), api: e.api, kind: e.kind, owner: e.owner, fd: e.fd, fd2: e.fd2,
                          result: e.result, err: e.err, timeNs: e.time_ns, tid: e.tid, stack: e.stack,
                          str1: e.str1, str2: e.str2, arg: e.arg)
    }

    /// Gives back the pages of slots [from, to).
    private func release(from: Int, to: Int) {
        guard to > from else { return }
        reader.storage.release(offset: bounds.entryOffset(from), count: (to - from) * bounds.stride)
    }
}
