// Decodes CPython line tables offline: which source line an instruction's byte offset belongs to. Written
// from CPython's own format descriptions (Objects/lnotab_notes.txt for 3.10, Objects/locations.md for
// 3.11+); the shim copies the raw `co_linetable` bytes and the instruction offset, nothing else.

enum PythonLineTable {
    /// The line of the instruction at byte `offset`, or nil when the table marks it as having none.
    /// An unknown offset (FDH_PY_OFFSET_UNKNOWN: the frame had not started) or an empty table gives
    /// the first line, as CPython does for a negative offset.
    static func line(table: [UInt8], firstLine: Int, pythonVersion: UInt32, offset: UInt32) -> Int? {
        if offset == UInt32.max || table.isEmpty { return firstLine }
        let minor = (pythonVersion >> 16) & 0xff
        if (pythonVersion >> 24) == 3 && minor <= 10 {
            return lineBefore311(table: table, firstLine: firstLine, offset: Int(offset))
        }
        return line311(table: table, firstLine: firstLine, offset: Int(offset))
    }

    /// 3.10: pairs (bytecode bytes covered: unsigned, line delta: signed; −128 = no line). Address ranges
    /// accumulate; a pair with line delta 0 only widens the current range.
    static func lineBefore311(table: [UInt8], firstLine: Int, offset: Int) -> Int? {
        var line = firstLine
        var end = 0
        var index = 0
        while index + 1 < table.count {
            let start = end
            end += Int(table[index])
            let delta = Int(Int8(bitPattern: table[index + 1]))
            index += 2
            let rangeLine: Int?
            if delta == -128 {
                rangeLine = nil
            } else {
                line += delta
                rangeLine = line
            }
            if offset >= start && offset < end { return rangeLine }
        }
        return nil
    }

    /// 3.11+ location table: entries start with a byte whose top bit is set; bits 3–6 are the form, bits
    /// 0–2 the code units covered minus one. Forms: 15 no location, 14 long (svarint line delta, then end
    /// line, column and end column varints), 13 line only (svarint delta), 10–12 one line (delta = form − 10,
    /// two column bytes), 0–9 short (same line, one column byte).
    static func line311(table: [UInt8], firstLine: Int, offset: Int) -> Int? {
        var line = firstLine
        var end = 0
        var index = 0
        func varint() -> Int {
            var value = 0, shift = 0
            while index < table.count {
                let byte = Int(table[index])
                index += 1
                value |= (byte & 63) << shift
                shift += 6
                if byte & 64 == 0 || shift > 56 { break }
            }
            return value
        }
        func svarint() -> Int {
            let value = varint()
            return value & 1 != 0 ? -(value >> 1) : value >> 1
        }
        while index < table.count {
            let first = Int(table[index])
            guard first & 128 != 0 else { index += 1; continue } // resynchronize on a corrupt table
            index += 1
            let form = (first >> 3) & 15
            let start = end
            end += ((first & 7) + 1) * 2
            var rangeLine: Int? = nil
            switch form {
            case 15:
                rangeLine = nil
            case 13, 14:
                // Deltas reach ±2^59 each: a corrupt table could add up past Int, which would trap.
                let (sum, overflow) = line.addingReportingOverflow(svarint())
                guard !overflow else { return nil }
                line = sum
                rangeLine = line
            case 10...12:
                line += form - 10
                rangeLine = line
            default:
                rangeLine = line
            }
            // Skip the entry's remaining bytes (columns): up to the next byte with the top bit set.
            while index < table.count && table[index] & 128 == 0 { index += 1 }
            if offset >= start && offset < end { return rangeLine }
        }
        return nil
    }
}
