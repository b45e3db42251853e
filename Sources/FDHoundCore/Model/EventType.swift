// What an event records (enum fdh_event_type), decoded once as the log is read (EventLog): passes switch
// on these cases, never on the header's numbers. Raw values are the header's; a unit test checks them.
import CFDHoundTrace

/// The type of one event of the log.
public enum EventType: UInt8, CaseIterable, Sendable {
    /// 0 (never written), 11 (unused), 18 (ABANDONED: a writer jumped out of before it finished) or a type
    /// newer than this reader: readers ignore such events.
    case unknown = 0
    case open = 1, close, dup, label, owner, inherited, failed, exit, fork, exec
    case dbusOpen = 12, dbusClose, misuse, cloexec, phaseBegin, phaseEnd

    /// Decodes a type byte from a trace; values this reader does not know become `.unknown`.
    /// Spelled out rather than `EventType(rawValue:)`: the log decodes one type per event, and this switch
    /// compiles to a table lookup inlined into the reader, where the synthesized initializer stayed a call
    /// (6% of a report's time).
    @inline(__always)
    public init(traceValue: UInt8) {
        switch traceValue {
        case 1: self = .open
        case 2: self = .close
        case 3: self = .dup
        case 4: self = .label
        case 5: self = .owner
        case 6: self = .inherited
        case 7: self = .failed
        case 8: self = .exit
        case 9: self = .fork
        case 10: self = .exec
        case 12: self = .dbusOpen
        case 13: self = .dbusClose
        case 14: self = .misuse
        case 15: self = .cloexec
        case 16: self = .phaseBegin
        case 17: self = .phaseEnd
        default: self = .unknown
        }
    }

    /// OPEN, or a DUP's new descriptor: an event that makes a descriptor open at a call site.
    public var opensDescriptor: Bool { self == .open || self == .dup }
}
