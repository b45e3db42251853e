// Decides how a CPython process released a descriptor: an explicit close by the program, or a close the
// interpreter made on its behalf — a finalizer run by refcounting, the cyclic garbage collector, or
// interpreter shutdown. Those are the leaks Python hides: "open at exit" shows nothing, yet the program
// never closed them, and a long-running service holds them until the collector happens to run.

/// How a descriptor nobody closed explicitly was released (`ReclaimedGroup.how`).
public enum ReclaimKind: String, Codable, CaseIterable, Sendable {
    case finalizer = "finalizer"
    case garbageCollector = "garbage-collector"
    case interpreterShutdown = "interpreter-shutdown"
}

enum CloseClassifier {
    /// `arg` bits of a CLOSE event, written by the shim from the interpreter's own state (fdhound_trace.h
    /// `enum fdh_close_python_context`): reliable on stripped interpreters, where the static
    /// `gc_collect_main`/`finalize_modules` frames have no names.
    static let finalizingBit: UInt64 = 1
    static let collectingBit: UInt64 = 2

    /// Native functions on the way from a finalizer to close(): CPython's finalizer and dealloc entry
    /// points, and any `*_dealloc`/`*_finalize` of the core or of a C extension (sock_finalize,
    /// fileio_dealloc, textiowrapper_dealloc, buffered_dealloc, ScandirIterator_finalize…).
    static let finalizerFunctions: Set<String> = [
        "PyObject_CallFinalizerFromDealloc", "PyObject_CallFinalizer", "_PyIOBase_finalize", "slot_tp_finalize",
        "slot_tp_del", "subtype_dealloc", "_Py_Dealloc", "_PyGen_Finalize", "PyObject_ClearWeakRefs",
    ]
    /// The cyclic collector (3.10–3.13 names; gc.collect() and automatic collections).
    static let collectorFunctions: Set<String> = [
        "gc_collect_main", "finalize_garbage", "delete_garbage", "gc_collect_with_callback", "gc_collect_impl",
        "gc_collect_generations", "gc_collect_region", "gc_collect_full", "gc_collect_young",
        "gc_collect_increment", "PyGC_Collect", "_PyGC_Collect", "_PyGC_CollectNoFail", "_Py_RunGC",
        "_PyGC_CollectIfEnabled",
    ]
    /// Interpreter shutdown.
    static let shutdownFunctions: Set<String> = [
        "Py_FinalizeEx", "Py_Finalize", "_Py_Finalize", "finalize_modules", "finalize_modules_delete_special",
        "finalize_interp_clear", "_PyImport_Cleanup", "PyImport_Cleanup", "Py_EndInterpreter", "Py_Exit",
    ]

    /// The classification of one close: nil for an explicit close (or one nothing shows was implicit).
    ///
    /// `flags` is the CLOSE event's `arg`; `stack` the close's frames, innermost first (Python frames
    /// interleaved). The walk goes outwards from close() and stops at the first Python frame of the
    /// program (outside the standard library): that code made the close, or the refcount drop that
    /// triggered a finalizer, so what counts is what lies inside it. Standard-library Python frames are
    /// walked through (socket.close called by asyncio's transport `__del__`), and a Python `__del__` is a
    /// finalizer. Shutdown frames count only when no Python frame was seen: CPython records none once
    /// it is finalizing, while atexit handlers (logging.shutdown closing its files: explicit, correct)
    /// still run Python code inside Py_FinalizeEx.
    static func classify(flags: UInt64, stack: [Frame]) -> ReclaimKind? {
        if flags & finalizingBit != 0 { return .interpreterShutdown }
        if flags & collectingBit != 0 { return .garbageCollector }
        var found: ReclaimKind?
        var sawPython = false
        for frame in stack {
            if PythonFrames.isPython(frame) {
                if let function = frame.function, function == "__del__" || function.hasSuffix(".__del__") {
                    return found == .garbageCollector ? found : .finalizer
                }
                if frame.function != nil && !PythonFrames.isStandardLibrary(frame.file) { break }
                sawPython = true
                continue
            }
            guard let function = frame.functionOrNearSymbol else { continue }  // exported names of a stripped build count
            if collectorFunctions.contains(function) {
                found = .garbageCollector
            } else if shutdownFunctions.contains(function) {
                if !sawPython { return .interpreterShutdown }
            } else if found == nil && isFinalizer(function) {
                found = .finalizer
            }
        }
        return found
    }

    static func isFinalizer(_ function: String) -> Bool {
        finalizerFunctions.contains(function) || function.hasSuffix("_dealloc") || function.hasSuffix("_finalize")
    }

    /// The frames of a close stack that decide its class: up to and including the first Python frame of
    /// the program, at most `nativeLimit` native frames. Only these are symbolized.
    static func decidingPrefix(_ frames: [AddressFrame], nativeLimit: Int = 48) -> [AddressFrame] {
        var result = [AddressFrame]()
        var native = 0
        for frame in frames {
            result.append(frame)
            if frame.isInterpreter {
                if let python = frame.python, python.function != nil, !PythonFrames.isStandardLibrary(python.file),
                   !(python.function ?? "").hasSuffix("__del__") {
                    break
                }
            } else {
                native += 1
                if native >= nativeLimit { break }
            }
        }
        return result
    }
}
