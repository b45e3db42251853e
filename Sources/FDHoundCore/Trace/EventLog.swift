// Reads the event log (struct fdh_event). Only published events whose own seq equals their index are
// returned; the others are counted, so a report can say how much of the log it could not trust.
import CFDHoundTrace

/// One published event, decoded. Raw byte fields keep their `fdhound_trace.h` meaning.
public struct TraceEvent: Equatable, Sendable {
    public let seq: UInt64
    /// Raw `enum fdh_event_type`.
    public let type: UInt8
    public let api: UInt8
    public let kind: UInt8
    public let owner: UInt8
    public let fd: Int32
    public let fd2: Int32
    public let result: Int32
    public let err: Int32
    public let timeNs: UInt64
    public let tid: UInt32
    public let stack: UInt32
    public let str1: UInt32
    public let str2: UInt32
    public let arg: UInt64
}

/// The result of scanning the log.
public struct EventScan: Equatable, Sendable {
    public var events: [TraceEvent] = []
    /// Slots below events_next whose commit word was not set (a writer was interrupted, or still writing).
    public var unpublished = 0
    /// Published slots whose seq disagrees with their index: corrupt, skipped.
    public var corrupt = 0
}

/// The events section of one trace.
struct EventLog {
    let reader: ByteReader
    let bounds: SectionBounds
    let eventsNext: UInt64

    /// Events stored: min(events_next, capacity). Beyond that the writer dropped them (events_dropped).
    var storedCount: Int { eventsNext < UInt64(bounds.capacity) ? Int(eventsNext) : bounds.capacity }

    func scan() -> EventScan {
        var scan = EventScan()
        scan.events.reserveCapacity(storedCount)
        for index in 0..<storedCount {
            guard let e = reader.load(fdh_event.self, at: bounds.entryOffset(index)) else { break }
            guard e.commit == FDH_EVENT_PUBLISHED.rawValue else { scan.unpublished += 1; continue }
            guard e.seq == UInt64(index) else { scan.corrupt += 1; continue }
            scan.events.append(TraceEvent(seq: e.seq, type: e.type, api: e.api, kind: e.kind, owner: e.owner,
                                          fd: e.fd, fd2: e.fd2, result: e.result, err: e.err,
                                          timeNs: e.time_ns, tid: e.tid, stack: e.stack, str1: e.str1,
                                          str2: e.str2, arg: e.arg))
        }
        return scan
    }
}
