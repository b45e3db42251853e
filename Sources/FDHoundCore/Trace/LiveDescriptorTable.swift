// Reads the live-descriptor table (struct fdh_live_fd): slot n is descriptor n as of its last event. This
// table, not the event log, decides what was open at the end, so it stays exact when the log filled up.
import CFDHoundTrace

/// One descriptor still open at the end of the trace.
public struct LiveDescriptor: Equatable, Sendable {
    public enum State: UInt32, Sendable { case open = 1, inherited = 2 }

    public let fd: Int
    public let state: State
    /// Raw `enum fdh_fd_kind`, `fdh_fd_owner`, `fdh_api` bytes.
    public let kind: UInt8
    public let owner: UInt8
    public let api: UInt8
    public let cloexec: Bool
    public let stack: UInt32
    public let str1: UInt32
    public let str2: UInt32
    public let tid: UInt32
    /// For TCP sockets open at exit: the kernel's TCP state then (8 = CLOSE_WAIT); 0 unknown.
    public let tcpState: UInt8
    public let openSeq: UInt64
    public let timeNs: UInt64
}

/// The open and inherited slots of one trace, plus how many slots could not be read.
struct LiveDescriptorTable {
    let descriptors: [LiveDescriptor]
    /// Slots a writer was updating (odd seqlock version) when the file was read.
    let inFlight: Int
    /// Slots with a state value this reader does not know.
    let corrupt: Int

    init(reader: ByteReader, bounds: SectionBounds) {
        var descriptors = [LiveDescriptor]()
        var inFlight = 0, corrupt = 0
        reader.forEachEntry(fdh_live_fd.self, in: bounds) { fd, slot in
            if slot.state == FDH_LIVE_CLOSED.rawValue { return true }
            // An odd version means a writer was mid-update; the file is a snapshot, so retrying is pointless.
            guard slot.version % 2 == 0 else { inFlight += 1; return true }
            guard let state = LiveDescriptor.State(rawValue: slot.state) else { corrupt += 1; return true }
            descriptors.append(LiveDescriptor(fd: fd, state: state, kind: slot.kind, owner: slot.owner,
                                              api: slot.api, cloexec: slot.cloexec != 0, stack: slot.stack,
                                              str1: slot.str1, str2: slot.str2, tid: slot.tid,
                                              tcpState: slot.tcp_state, openSeq: slot.open_seq, timeNs: slot.time_ns))
            return true
        }
        self.descriptors = descriptors
        self.inFlight = inFlight
        self.corrupt = corrupt
    }
}
