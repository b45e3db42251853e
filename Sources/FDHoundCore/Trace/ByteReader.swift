// Bounds-checked loads from a trace's bytes. Every read of file data goes through here, so a corrupt or
// truncated file yields nil instead of a trap.

/// Immutable bytes of one trace with loads that check bounds (and overflow) before touching memory.
struct ByteReader {
    let bytes: [UInt8]

    var count: Int { bytes.count }

    /// Loads a trivial type (an imported C struct or an integer) at `offset`, or nil if it does not fit.
    /// C structs are read in host order; TraceHeaderReader has already checked the file's endian mark.
    func load<T>(_ type: T.Type, at offset: Int) -> T? {
        guard offset >= 0 else { return nil }
        let (end, overflow) = offset.addingReportingOverflow(MemoryLayout<T>.size)
        guard !overflow, end <= bytes.count else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    /// `count` bytes from `offset`, or nil if the range is not inside the file.
    func slice(at offset: Int, count: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, count >= 0 else { return nil }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= bytes.count else { return nil }
        return bytes[offset..<end]
    }
}
