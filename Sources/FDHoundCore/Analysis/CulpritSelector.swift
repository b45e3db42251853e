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
    /// When the culprit is inside a library (a Python package under site-packages, a shared library other
    /// than the program), the innermost frame of the application's own code that led there: the
    /// `connect_ble_device` that called `dbus.bus.BusConnection()`, the `main.c` that called into
    /// libdbus. Nil when the culprit already is application code, or no such frame exists.
    public static func applicationCaller(in stack: [Frame], culprit: Frame, executable: String?) -> Frame? {
        let python = stack.filter(PythonFrames.isPython)
        let caller: Frame?
        if !python.isEmpty {
            caller = python.first { $0.function != nil && !PythonFrames.isStandardLibrary($0.file)
                && !PythonFrames.isThirdParty($0.file) }
        } else if let executable {
            caller = stack.first { $0.module == executable && $0.function != nil }
        } else {
            caller = nil
        }
        guard let caller, caller != culprit else { return nil }
        // Only a caller *outside* the culprit's frame: the culprit must be innermost of the two.
        guard let culpritIndex = stack.firstIndex(of: culprit), let callerIndex = stack.firstIndex(of: caller),
              callerIndex > culpritIndex else { return nil }
        return caller
    }

    public static func culprit(in stack: [Frame]) -> Frame? {
        if let python = PythonFrames.culprit(in: stack) { return python }
        return stack.first { !isSystemModule($0) && $0.function != nil }
            ?? stack.first { !isSystemModule($0) }
            ?? stack.first
    }

    /// Everything a report group says about its code path: the culprit (a placeholder when no stack was
    /// recorded), the application caller when the culprit is in a library, and the frames to show.
    struct Attribution {
        let culprit: Frame
        let calledFrom: Frame?
        let shownStack: [Frame]
    }

    static func attribute(_ stack: [Frame], executable: String?, maxFrames: Int) -> Attribution {
        let culprit = culprit(in: stack) ?? Frame(module: "[no stack recorded]", address: "0x0")
        return Attribution(culprit: culprit,
                           calledFrom: applicationCaller(in: stack, culprit: culprit, executable: executable),
                           shownStack: PythonFrames.shown(stack, maxFrames: maxFrames))
    }
}
