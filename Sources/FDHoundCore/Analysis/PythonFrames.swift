// Python frames in reports: turning a recorded interpreter frame (code id, byte offset) into a Frame, and
// the rule that picks the Python culprit (the innermost frame of the program's own code, not the standard
// library's wrappers such as socket.py, which are never what the user should fix).

enum PythonFrames {
    /// `Frame.module` of every Python frame, so formatters and the culprit rule can tell them apart.
    static let module = "python"

    /// The frame for a kind-2 stack node: ip = code id << 32 | byte offset.
    static func frame(ip: UInt64, in trace: TraceFile) -> Frame {
        let id = UInt32(truncatingIfNeeded: ip >> 32)
        let offset = UInt32(truncatingIfNeeded: ip)
        let address = "code#\(id)+" + (offset == UInt32.max ? "?" : "\(offset)")
        guard let code = trace.pythonCodes[id] else {
            return Frame(function: nil, file: nil, line: nil, module: module, address: address)
        }
        return Frame(function: code.qualname, file: code.filename, line: code.line(atOffset: offset),
                     module: module, address: address)
    }

    static func isPython(_ frame: Frame) -> Bool { frame.module == module }

    /// The frames a report shows: the first `maxFrames`, but a stack with Python frames is shown down to
    /// its outermost Python frame (plus two native frames below it), because the Python caller chain is
    /// what the user reads and the evaluator's native frames between them would otherwise crowd it out.
    static func shown(_ stack: [Frame], maxFrames: Int) -> [Frame] {
        guard let outermost = stack.lastIndex(where: isPython) else { return Array(stack.prefix(maxFrames)) }
        return Array(stack.prefix(max(maxFrames, min(stack.count, outermost + 3))))
    }

    /// True for files of the interpreter itself: the standard library (`…/lib/python3.X/…` outside
    /// site-packages/dist-packages) and frozen modules (`<frozen importlib._bootstrap>`).
    static func isStandardLibrary(_ file: String?) -> Bool {
        guard let file else { return true }
        // "<frozen importlib._bootstrap>" is the interpreter's; "<string>" (python -c, exec) and "<stdin>"
        // are the user's code.
        if file.hasPrefix("<") { return file.hasPrefix("<frozen") }
        if file.contains("/site-packages/") || file.contains("/dist-packages/") { return false }
        // PyPy: Debian's /usr/lib/pypy3.9/…, upstream's lib-python/3/… and lib_pypy/….
        if file.contains("/lib/pypy3") || file.contains("/lib-python/") || file.contains("/lib_pypy/") { return true }
        guard let range = file.range(of: "/lib/python") else { return false }
        // "/lib/python3.11/x.py" or "/lib/python3/…": a version directory right after "python".
        let rest = file[range.upperBound...]
        return rest.first?.isNumber == true
    }

    /// True for installed third-party packages (site-packages, dist-packages).
    static func isThirdParty(_ file: String?) -> Bool {
        guard let file else { return false }
        return file.contains("/site-packages/") || file.contains("/dist-packages/")
    }

    /// The Python culprit of a stack: the innermost Python frame outside the standard library; failing
    /// that (a leak inside the stdlib itself, e.g. a module-level socket in a stdlib module) the innermost
    /// Python frame. Nil when the stack has no Python frame (the native rule applies).
    static func culprit(in stack: [Frame]) -> Frame? {
        let python = stack.filter(isPython)
        guard !python.isEmpty else { return nil }
        return python.first { $0.function != nil && !isStandardLibrary($0.file) } ?? python.first
    }
}
