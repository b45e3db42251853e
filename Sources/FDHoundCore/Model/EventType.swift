// What an event records (enum fdh_event_type), decoded once as the log is read (EventLog): passes switch
// on these cases, never on the header's numbers. Raw values are the header's; a unit test checks them.
import CFDHoundTrace

/// The type of one event of the log.
public enum EventType: UInt8, CaseIterable, Sendable {
    /// 0 (never written), 11 (unused) or a type newer than this reader: readers ignore such events.
    case unknown = 0
    case open = 1, close, dup, label, owner, inherited, failed, exit, fork, exec
    case dbusOpen = 12, dbusClose, misuse, cloexec, phaseBegin, phaseEnd

    /// Decodes a type byte from a trace; values this reader does not know become `.unknown`.
    public init(traceValue: UInt8) {
        self = EventType(rawValue: traceValue) ?? .unknown
    }

    /// OPEN, or a DUP's new descriptor: an event that makes a descriptor open at a call site.
    public var opensDescriptor: Bool { self == .open || self == .dup }
}
