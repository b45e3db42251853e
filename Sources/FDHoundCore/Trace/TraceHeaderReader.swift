// Checks the fixed part of a trace (magic, version, byte order, sizes) before anything else is read, in the
// order that gives the most useful message: a random file fails on the magic, not on its size.
import CFDHoundTrace

enum TraceHeaderReader {
    /// The size of `struct fdh_header` in the format version this reader implements (744).
    static let knownHeaderSize = MemoryLayout<fdh_header>.size

    /// Returns the raw header after checking everything the rest of the reader relies on.
    /// Throws a problem sentence (TraceFile adds the path).
    static func read(_ reader: ByteReader) throws(TraceProblem) -> fdh_header {
        let magic = Array(FDH_MAGIC_STRING.utf8)
        guard reader.count >= magic.count, reader.slice(at: 0, count: magic.count) == magic else {
            throw TraceProblem("does not look like an fdhound trace (no FDHTRACE magic)")
        }
        guard let version = reader.load(UInt32.self, at: magic.count) else {
            throw TraceProblem("truncated: \(reader.count) bytes is smaller than the \(knownHeaderSize)-byte header")
        }
        if version > FDH_FORMAT_VERSION {
            throw TraceProblem("written by trace format version \(version); this fdhound reads up to \(FDH_FORMAT_VERSION)")
        }
        guard version != 0 else {
            throw TraceProblem("trace format version 0 is invalid (the writer's set-up did not finish)")
        }
        guard let header = reader.load(fdh_header.self, at: 0) else {
            throw TraceProblem("truncated: \(reader.count) bytes is smaller than the \(knownHeaderSize)-byte header")
        }
        guard header.endian_mark == FDH_ENDIAN_MARK else {
            if header.endian_mark == FDH_ENDIAN_MARK.byteSwapped {
                throw TraceProblem("written on a machine of the other byte order; read it where it was recorded")
            }
            throw TraceProblem("bad endian mark 0x\(String(header.endian_mark, radix: 16))")
        }
        guard header.pointer_width == 8 else {
            throw TraceProblem("pointer width \(header.pointer_width) is not supported (only 64-bit traces)")
        }
        // A newer writer of the same version may append header fields; the v1 fields stay where they are.
        guard Int(header.header_size) >= knownHeaderSize else {
            throw TraceProblem("header size \(header.header_size) is smaller than \(knownHeaderSize)")
        }
        guard header.file_size <= UInt64(reader.count) else {
            throw TraceProblem("truncated: header says \(header.file_size) bytes, file has \(reader.count)")
        }
        guard header.file_size >= UInt64(header.header_size) else {
            throw TraceProblem("header says the file is \(header.file_size) bytes, less than its \(header.header_size)-byte header")
        }
        guard UInt32(header.section_count) <= FDH_MAX_SECTIONS else {
            throw TraceProblem("section count \(header.section_count) exceeds the maximum \(FDH_MAX_SECTIONS)")
        }
        return header
    }
}

/// A problem sentence without the path; TraceFile wraps it into a TraceError.
struct TraceProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
