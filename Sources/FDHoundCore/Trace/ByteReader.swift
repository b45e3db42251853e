// Bounds-checked loads from a trace's bytes (TraceBytes: a mapping or an in-memory copy). Every read of
// file data goes through here, so a corrupt or truncated file yields nil instead of a trap.

/// One trace's bytes with loads that check bounds (and overflow) before touching memory.
struct ByteReader {
    let storage: TraceBytes

    init(storage: TraceBytes) { self.storage = storage }

    /// For tests and the fuzzer: a reader over a copy of `bytes`.
    init(bytes: [UInt8]) { storage = TraceBytes(copying: bytes) }

    var count: Int { storage.count }

    /// Loads a trivial type (an imported C struct or an integer) at `offset`, or nil if it does not fit.
    /// C structs are read in host order; TraceHeaderReader has already checked the file's endian mark.
    /// A range wholly inside a hole of the file reads as zeros without its page being touched.
    func load<T>(_ type: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard let base = rawRange(at: offset, count: size) else { return nil }
        if storage.isHole(offset, size) {
            return withUnsafeTemporaryAllocation(byteCount: size, alignment: MemoryLayout<T>.alignment) { buffer in
                buffer.initializeMemory(as: UInt8.self, repeating: 0)
                return UnsafeRawPointer(buffer.baseAddress!).loadUnaligned(as: T.self)
            }
        }
        return base.loadUnaligned(as: T.self)
    }

    /// A copy of `count` bytes from `offset`, or nil if the range is not inside the file.
    func slice(at offset: Int, count: Int) -> [UInt8]? {
        guard let base = rawRange(at: offset, count: count) else { return nil }
        if storage.isHole(offset, count) { return [UInt8](repeating: 0, count: count) }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Hands `body` every entry of `bounds` below `count` (default: all) that is not wholly inside a hole
    /// of the file, in index order; `body` returns false to stop. Entries in holes were never written (all
    /// zeros: empty slots in every table) and are skipped without their pages being touched, so scanning a
    /// 65,536-slot table that holds ten records costs ten records.
    func forEachEntry<T>(_ type: T.Type, in bounds: SectionBounds, count: Int? = nil, _ body: (Int, T) -> Bool) {
        let size = MemoryLayout<T>.size
        let limit = min(count ?? bounds.capacity, bounds.capacity)
        var index = 0
        while index < limit {
            let offset = bounds.entryOffset(index)
            if storage.isHole(offset, size) {
                guard let next = storage.nextData(from: offset + size) else { return }
                index = max(index + 1, (next - bounds.offset) / bounds.stride)
                continue
            }
            guard let entry = load(T.self, at: offset), body(index, entry) else { return }
            index += 1
        }
    }

    /// The address of [offset, offset + count) if that range lies inside the bytes.
    func rawRange(at offset: Int, count: Int) -> UnsafeRawPointer? {
        guard offset >= 0, count >= 0 else { return nil }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= storage.count, let base = storage.base else { return nil }
        return base + offset
    }
}
