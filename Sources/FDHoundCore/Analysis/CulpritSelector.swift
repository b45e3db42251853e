// Picks the frame to blame: the first (innermost) frame that is the program's own code, i.e. not libc, the
// loader, libunwind or the shim. `fopen` opens through libc's `__open`; the user wants the caller of fopen.

public enum CulpritSelector {
    /// Module basename prefixes of system plumbing that opens descriptors on the program's behalf.
    static let systemModulePrefixes = [
        "libc.so", "libc-", "libm.so", "libm-", "libdl.so", "libdl-", "libpthread.so", "libpthread-",
        "librt.so", "librt-", "ld-linux", "ld-", "libfdhound.so", "libunwind", "linux-vdso",
    ]

    public static func isSystemModule(_ frame: Frame) -> Bool {
        let name = frame.moduleName
        return systemModulePrefixes.contains { name.hasPrefix($0) }
    }

    /// The first frame outside system modules that has a function name; failing that (no symbols at all,
    /// e.g. without llvm-symbolizer) the first frame outside system modules, so module+offset still points
    /// into the program; failing that, the innermost frame. Nil only for an empty stack.
    /// A stack with Python frames is blamed on Python code instead (PythonFrames.culprit): the evaluator's
    /// native frames say nothing about which Python function opened the descriptor.
    public static func culprit(in stack: [Frame]) -> Frame? {
        if let python = PythonFrames.culprit(in: stack) { return python }
        return stack.first { !isSystemModule($0) && $0.function != nil }
            ?? stack.first { !isSystemModule($0) }
            ?? stack.first
    }
}
