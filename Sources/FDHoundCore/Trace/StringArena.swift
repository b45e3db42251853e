// Reads interned strings (struct fdh_string records) by id. Every id is checked: 8-aligned, inside the
// part of the arena handed out, length inside the arena, NUL-terminated. A bad or unpublished id reads nil.

/// The strings section of one trace.
struct StringArena {
    let reader: ByteReader
    let bounds: SectionBounds
    /// Bytes that may hold records: min(section capacity, header.strings_used).
    let limit: Int

    init(reader: ByteReader, bounds: SectionBounds, stringsUsed: UInt64) {
        self.reader = reader
        self.bounds = bounds
        self.limit = stringsUsed < UInt64(bounds.capacity) ? Int(stringsUsed) : bounds.capacity
    }

    /// Why an id cannot be a record at all (as opposed to a record not yet published); nil if plausible.
    func invalidity(of id: UInt32) -> String? {
        if id == 0 { return nil }
        if id % 8 != 0 { return "string id \(id) is not 8-aligned" }
        if Int(id) + 8 > limit { return "string id \(id) is outside the string arena (\(limit) bytes used)" }
        return nil
    }

    /// The raw bytes of string `id` (argv keeps its inner NULs), or nil for 0, invalid or unpublished ids.
    func bytes(_ id: UInt32) -> ArraySlice<UInt8>? {
        guard id != 0, invalidity(of: id) == nil else { return nil }
        let recordOffset = Int(id)
        guard let length = reader.load(UInt32.self, at: bounds.offset + recordOffset) else { return nil }
        // Length 0 with a real id: the writer reserved the record but had not published it yet.
        guard length != 0 else { return nil }
        // Record = 8-byte prefix + bytes + NUL; it must lie inside the used arena (Int math cannot overflow:
        // limit and id are below 2^63 and length below 2^32).
        let end = recordOffset + 8 + Int(length) + 1
        guard end <= limit else { return nil }
        guard let slice = reader.slice(at: bounds.offset + recordOffset + 8, count: Int(length) + 1),
              slice.last == 0 else { return nil }
        return slice.dropLast()
    }

    /// String `id` decoded without loss (invalid UTF-8 bytes kept as markers, see RawBytesText).
    func string(_ id: UInt32) -> String? {
        bytes(id).map { RawBytesText.decode($0) }
    }
}
