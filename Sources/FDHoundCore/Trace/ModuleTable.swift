// Loaded objects recorded by the writer (struct fdh_module), and the lookup from an address seen at a given
// event sequence number to the module that held it then.
import CFDHoundTrace

/// One published module slot.
public struct TraceModule: Equatable, Sendable {
    /// Slot index (header.shim_module refers to it).
    public let index: Int
    /// Path as the loader named it; nil if its string was missing.
    public let path: String?
    public let loadBias: UInt64
    public let textStart: UInt64
    public let textEnd: UInt64
    public let firstEventSeq: UInt64
    /// GNU build-id as lower-case hex; nil if the object had none.
    public let buildID: String?

    public func contains(_ address: UInt64) -> Bool { address >= textStart && address < textEnd }
}

/// The published module slots of one trace.
struct ModuleTable {
    let modules: [TraceModule]
    /// Slots skipped because their contents were impossible (text range empty or inverted).
    let corruptSlots: Int

    init(reader: ByteReader, bounds: SectionBounds, modulesNext: UInt64, strings: StringArena) {
        let count = modulesNext < UInt64(bounds.capacity) ? Int(modulesNext) : bounds.capacity
        var modules = [TraceModule]()
        var corrupt = 0
        for index in 0..<count {
            guard let slot = reader.load(fdh_module.self, at: bounds.entryOffset(index)) else { break }
            guard slot.state == 1 else { continue }
            guard slot.text_start < slot.text_end else { corrupt += 1; continue }
            var buildID: String?
            if slot.build_id_length > 0 && slot.build_id_length <= FDH_BUILD_ID_MAX {
                var raw = slot.build_id
                buildID = withUnsafeBytes(of: &raw) { bytes in
                    bytes.prefix(Int(slot.build_id_length)).map { byte in
                        (byte < 16 ? "0" : "") + String(byte, radix: 16)
                    }.joined()
                }
            }
            modules.append(TraceModule(index: index, path: strings.string(slot.path_string),
                                       loadBias: slot.load_bias, textStart: slot.text_start,
                                       textEnd: slot.text_end, firstEventSeq: slot.first_event_seq,
                                       buildID: buildID))
        }
        self.modules = modules
        self.corruptSlots = corrupt
    }

    /// The module holding `address` when event `seq` happened: the latest slot recorded at or before `seq`
    /// whose text range contains it. Falls back to any slot containing it (the module table may have been
    /// refreshed only after the event, e.g. a library loaded by dlopen before the next scan).
    func module(containing address: UInt64, atSeq seq: UInt64) -> TraceModule? {
        var best: TraceModule?
        var fallback: TraceModule?
        for module in modules where module.contains(address) {
            if module.firstEventSeq <= seq {
                // Later slots win ties: slots are append-only, so a higher index is the newer mapping.
                if module.firstEventSeq >= (best?.firstEventSeq ?? 0) { best = module }
            } else if module.firstEventSeq < (fallback?.firstEventSeq ?? UInt64.max) {
                fallback = module  // the earliest slot recorded after the event is the likeliest match
            }
        }
        return best ?? fallback
    }
}
