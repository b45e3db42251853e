// Folding of interpreter internals in Python-aware stacks, for the text and Markdown reports (JSON and SARIF
// keep every frame; `--native-frames` turns folding off). In a stack holding Python frames, a run of two or
// more native frames of the interpreter's own module (libpython*, or the python executable when it is
// linked statically) becomes one line: `_PyEval_EvalFrameDefault`, `_PyObject_VectorcallTstate`,
// `gen_send_ex2`, `Py_RunMain`… say nothing about the program. Kept: Python frames, frames of every other
// module (extensions, libc, libraries), the culprit, and — in a run entered from native code rather than
// from a Python frame, i.e. the builtin the Python code called (`os_open`, `_io_FileIO___init__`) — the
// run's innermost frames up to and including its first real (not inlined) function.

enum StackFolding {
    enum Item: Equatable {
        case frame(index: Int, Frame)
        /// Frames `first...last` of the stack, all in `module` (its file name), shown as one line.
        case folded(first: Int, last: Int, module: String)
    }

    /// The stack as shown: every frame when `fold` is false or the stack has no Python frame.
    static func items(_ stack: [Frame], keeping kept: [Frame] = [], fold: Bool) -> [Item] {
        let all = stack.enumerated().map { Item.frame(index: $0.offset, $0.element) }
        guard fold, stack.contains(where: isPython) else { return all }
        var items = [Item]()
        var index = 0
        while index < stack.count {
            guard isInterpreter(stack[index]) else {
                items.append(.frame(index: index, stack[index]))
                index += 1
                continue
            }
            var end = index
            while end + 1 < stack.count, isInterpreter(stack[end + 1]) { end += 1 }
            // Entered from native code (the stack's start or a library frame): keep the builtin's own frames.
            var foldFrom = index
            if index == 0 || !isPython(stack[index - 1]) {
                while foldFrom <= end, stack[foldFrom].inlined { foldFrom += 1 }
                foldFrom = min(foldFrom + 1, end + 1)
            }
            for keep in index..<foldFrom { items.append(.frame(index: keep, stack[keep])) }
            // Never fold a frame the report points at; split the run around it.
            var start = foldFrom
            for position in foldFrom...max(foldFrom, end) where position <= end && kept.contains(stack[position]) {
                items += folded(stack, start, position - 1)
                items.append(.frame(index: position, stack[position]))
                start = position + 1
            }
            if start <= end { items += folded(stack, start, end) }
            index = end + 1
        }
        return items
    }

    private static func folded(_ stack: [Frame], _ first: Int, _ last: Int) -> [Item] {
        guard first <= last else { return [] }
        guard last - first >= 1 else { return [.frame(index: first, stack[first])] }
        return [.folded(first: first, last: last, module: stack[first].moduleName)]
    }

    static func isPython(_ frame: Frame) -> Bool { frame.module == "python" }

    /// A native frame of the CPython interpreter itself: libpython3.x.so, or a python3.x executable.
    static func isInterpreter(_ frame: Frame) -> Bool {
        guard !isPython(frame) else { return false }
        let name = frame.moduleName
        if name.hasPrefix("libpython") { return true }
        guard name.hasPrefix("python") else { return false }
        return name.dropFirst("python".count).allSatisfy { $0.isNumber || $0 == "." || $0 == "d" || $0 == "m" }
    }

    /// "#3–#5 … 3 interpreter frames (python3.11)".
    static func foldedLine(first: Int, last: Int, module: String) -> String {
        "#\(first)–#\(last) … \(last - first + 1) interpreter frames (\(module)); --native-frames shows them"
    }

    /// Text lines of a stack, `marked` frame (the culprit) with `marker`, the others with `indent`.
    static func lines(_ stack: [Frame], marked: Frame?, fold: Bool, keeping kept: [Frame] = [],
                      marker: String = "  → ", indent: String = "    ") -> [String] {
        let markedIndex = marked.flatMap { stack.firstIndex(of: $0) } // recursion repeats frames: the first
        return items(stack, keeping: kept + [marked].compactMap { $0 }, fold: fold).map { item in
            switch item {
            case .frame(let index, let frame):
                return (index == markedIndex ? marker : indent) + ReportWording.frameLine(frame, index: index)
            case .folded(let first, let last, let module):
                return indent + foldedLine(first: first, last: last, module: module)
            }
        }
    }
}
