// Reads the CPython code objects a trace recorded (section 8, struct fdh_py_code): filename, qualified name,
// first line and the raw line table of every code object that appeared on a stack. Slots are checked like
// the other tables; a slot whose strings are missing still yields a code (its frames just show less).
import CFDHoundTrace

/// One CPython code object as the shim copied it.
public struct PythonCode: Equatable, Sendable {
    public let id: UInt32
    /// `co_filename`, nil if it was not stored.
    public let filename: String?
    /// `co_qualname` (3.11+) or `co_name` (3.10).
    public let qualname: String?
    public let firstLine: Int
    /// The raw `co_linetable` bytes; empty if not stored (then lines fall back to `firstLine`).
    public let lineTable: [UInt8]
    /// PY_VERSION_HEX of the writer's interpreter: selects the line-table format.
    public let pythonVersion: UInt32

    public init(id: UInt32, filename: String?, qualname: String?, firstLine: Int, lineTable: [UInt8],
                pythonVersion: UInt32) {
        self.id = id
        self.filename = filename
        self.qualname = qualname
        self.firstLine = firstLine
        self.lineTable = lineTable
        self.pythonVersion = pythonVersion
    }

    /// The source line of the instruction at byte `offset` (nil when the table says "no line").
    public func line(atOffset offset: UInt32) -> Int? {
        PythonLineTable.line(table: lineTable, firstLine: firstLine, pythonVersion: pythonVersion, offset: offset)
    }
}

/// The Python code section of one trace (absent: no codes).
struct PythonCodeTable {
    private(set) var codes = [UInt32: PythonCode]()
    /// Slots with a state this reader does not know.
    private(set) var corrupt = 0

    init(reader: ByteReader, bounds: SectionBounds?, strings: StringArena) {
        guard let bounds else { return }
        // Code ids are u32 and slot 0 is never used.
        var codes = [UInt32: PythonCode]()
        var corrupt = 0
        reader.forEachEntry(fdh_py_code.self, in: bounds, count: min(bounds.capacity, Int(UInt32.max))) { index, slot in
            guard index > 0 else { return true }
            switch slot.state {
            case UInt32(FDH_NODE_EMPTY.rawValue), UInt32(FDH_NODE_CLAIMED.rawValue):
                return true
            case UInt32(FDH_NODE_PUBLISHED.rawValue):
                let id = UInt32(index)
                codes[id] = PythonCode(
                    id: id, filename: strings.string(slot.filename_string), qualname: strings.string(slot.qualname_string),
                    firstLine: Int(slot.first_line), lineTable: strings.bytes(slot.linetable_string).map(Array.init) ?? [],
                    pythonVersion: slot.python_version)
            default:
                corrupt += 1
            }
            return true
        }
        self.codes = codes
        self.corrupt = corrupt
    }
}
