// Reads the D-Bus connection table (section 10, struct fdh_dbus_connection): every libdbus connection the
// program opened, its bus address, opening stack, application references and whether it was closed. The
// section is optional (traces from writers without it read as "no connections").
import CFDHoundTrace

/// One libdbus connection (DBusConnection*) of a traced process.
public struct DBusConnectionRecord: Equatable, Sendable {
    /// The DBusConnection pointer in the traced process.
    public let connection: UInt64
    /// Raw `enum fdh_dbus_flags`.
    public let flags: UInt32
    /// Raw `enum fdh_api` of the opening call.
    public let api: UInt8
    /// Raw `enum fdh_dbus_bus`.
    public let bus: UInt8
    /// Its socket; nil when unknown.
    public let fd: Int?
    /// Application references left (open/get/ref minus unref).
    public let references: Int
    public let tid: UInt32
    public let stack: UInt32
    public let endStack: UInt32
    /// String id of the bus address.
    public let address: UInt32
    public let openSeq: UInt64
    /// Sequence number of the call that ended it; nil while open.
    public let endSeq: UInt64?
    public let openTimeNs: UInt64
    public let endTimeNs: UInt64?

    /// Opened with dbus_connection_open_private / dbus_bus_get_private: the application must close it.
    public var isPrivate: Bool { flags & FDH_DBUS_PRIVATE.rawValue != 0 }
    public var isClosed: Bool { flags & FDH_DBUS_CLOSED.rawValue != 0 }
    /// Still open as far as the application is concerned (never closed, or a shared one still referenced).
    public var isOpen: Bool { flags & FDH_DBUS_ENDED.rawValue == 0 }
}

/// The published slots of one trace's connection table, plus how many could not be used.
struct DBusConnectionTable {
    let connections: [DBusConnectionRecord]
    /// Slots claimed but not yet published when the file was read (a writer was mid-update).
    let inFlight: Int
    /// Slots with an unknown state or inconsistent sequence numbers.
    let corrupt: Int

    static let knownFlags = FDH_DBUS_PRIVATE.rawValue | FDH_DBUS_CLOSED.rawValue | FDH_DBUS_RELEASED.rawValue
        | FDH_DBUS_ENDED.rawValue

    init(reader: ByteReader, bounds: SectionBounds?, strings: StringArena, eventsNext: UInt64) {
        var connections = [DBusConnectionRecord]()
        var inFlight = 0, corrupt = 0
        if let bounds { reader.forEachEntry(fdh_dbus_connection.self, in: bounds) { _, slot in
            guard slot.connection != 0 else { return true }
            // The writer claims a slot by CAS on `connection` and stores state 2 (published) last: a claimed
            // slot still reads state 0 while it is filled. No writer stores 1; it reads as being filled too.
            switch slot.state {
            case 0, 1: inFlight += 1; return true
            case 2: break
            default: corrupt += 1; return true
            }
            let ended = slot.flags & FDH_DBUS_ENDED.rawValue != 0
            // Sequence numbers are reserved from header.events_next, so none may reach it; an end precedes
            // no open. A string id that cannot be a record makes the slot untrustworthy as a whole.
            guard slot.flags & ~Self.knownFlags == 0, slot.open_seq < eventsNext,
                  !ended || slot.end_seq == 0 || (slot.end_seq > slot.open_seq && slot.end_seq < eventsNext),
                  strings.invalidity(of: slot.address) == nil else {
                corrupt += 1
                return true
            }
            // ENDED with end_seq 0: the ending thread was between its two stores; it ended at an unknown
            // point after opening, which the peak sweep treats as right after the open.
            let endSeq: UInt64? = ended ? (slot.end_seq == 0 ? slot.open_seq + 1 : slot.end_seq) : nil
            connections.append(DBusConnectionRecord(
                connection: slot.connection, flags: slot.flags, api: slot.api, bus: slot.bus,
                fd: slot.fd >= 0 ? Int(slot.fd) : nil, references: Int(slot.refs), tid: slot.tid,
                stack: slot.stack, endStack: slot.end_stack, address: slot.address,
                openSeq: slot.open_seq, endSeq: endSeq, openTimeNs: slot.open_time_ns,
                endTimeNs: ended ? slot.end_time_ns : nil))
            return true
        } }
        self.connections = connections.sorted { $0.openSeq < $1.openSeq }
        self.inFlight = inFlight
        self.corrupt = corrupt
    }
}
