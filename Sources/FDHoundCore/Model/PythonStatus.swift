// What the shim says about Python stacks in one process (header.python_status / python_version), in words.
import CFDHoundTrace

/// Whether a process's stacks carry Python frames, and if not, why.
public struct PythonStatus: Equatable, Sendable {
    /// Raw `enum fdh_python_status`.
    public let status: UInt32
    /// PY_VERSION_HEX; 0 if unknown.
    public let versionHex: UInt32

    /// Nil when the process never showed a CPython (status NONE).
    public init?(header: TraceHeader) {
        guard header.pythonStatus != FDH_PYTHON_NONE.rawValue else { return nil }
        status = header.pythonStatus
        versionHex = header.pythonVersion
    }

    /// Python frames are in the stacks: CPython's own walk, or (PyPy) the frames fdhound's helper handed in.
    public var framesRecorded: Bool { status == FDH_PYTHON_ACTIVE.rawValue || status == FDH_PYTHON_HELPER.rawValue }

    /// How the sentence of a process whose Python frames are recorded ends (ProcessSummary.python is the
    /// sentence; formatters tell the two cases apart by it).
    static let recordedSuffix = ": Python frames recorded"

    /// Whether a ProcessSummary.python sentence is worth a line under the process: anything but CPython's
    /// plain "frames recorded" (frames missing and why, or where PyPy's frames came from).
    static func isNoteworthy(_ sentence: String) -> Bool { !sentence.hasSuffix(recordedSuffix) }

    /// "3.12.1" (release levels such as rc1 are not shown).
    public var version: String? {
        guard versionHex != 0 else { return nil }
        return "\(versionHex >> 24).\((versionHex >> 16) & 0xff).\((versionHex >> 8) & 0xff)"
    }

    /// One sentence for reports.
    public var sentence: String {
        let name = version.map { "CPython \($0)" } ?? "CPython"
        switch status {
        case FDH_PYTHON_HELPER.rawValue:
            return "PyPy (or another non-CPython runtime): Python frames from fdhound's helper for the calls that create descriptors (open, socket, os.pipe…; files and lines, no native names inside the runtime)"
        case FDH_PYTHON_OTHER_RUNTIME.rawValue:
            return "PyPy (or another non-CPython runtime): native stacks only (fdhound reads CPython 3.10–3.13 frames; this runtime's Python frames are JIT/RPython frames it cannot walk, so Python files and lines are unavailable)"
        case FDH_PYTHON_ACTIVE.rawValue: return name + Self.recordedSuffix
        case FDH_PYTHON_UNSUPPORTED_VERSION.rawValue: return "\(name): native stacks only (no layout table for this version; 3.10–3.13 are supported)"
        case FDH_PYTHON_FREE_THREADED.rawValue: return "\(name): native stacks only (free-threaded build)"
        case FDH_PYTHON_LAYOUT_MISMATCH.rawValue: return "\(name): native stacks only (the interpreter's debug offsets disagree with fdhound's table)"
        case FDH_PYTHON_SELF_CHECK_FAILED.rawValue: return "\(name): native stacks only (the self-check on the first Python event failed)"
        case FDH_PYTHON_DISABLED.rawValue: return "\(name): native stacks only (FDHOUND_PYTHON=0)"
        case FDH_PYTHON_MISSING_SYMBOLS.rawValue: return "\(name): native stacks only (libpython lacks symbols the frame walker needs)"
        case FDH_PYTHON_SUBINTERPRETER.rawValue: return "\(name): native stacks only from the moment a subinterpreter appeared"
        default: return "\(name): native stacks only (status \(status))"
        }
    }
}
