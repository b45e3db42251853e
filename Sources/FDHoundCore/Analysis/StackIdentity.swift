// When two stacks are "the same code path": frames compare by source position when they have one, so a call
// the compiler duplicated (an unrolled loop gives one call instruction per copy, at different addresses on
// the same line) is still one leak group. Frames without a source line compare by module and address.

struct StackIdentity: Hashable {
    private enum FrameKey: Hashable {
        case source(module: String, function: String, file: String, line: Int, column: Int?, inlined: Bool)
        case address(module: String, address: String, function: String?, inlined: Bool)
    }

    private let frames: [FrameKey]

    /// A stack with Python frames is the same code path when its Python frames are the same and it
    /// reached the descriptor API through the same innermost native frame: the interpreter's own frames in
    /// between vary from call to call (CPython 3.12+ specializes a call site after a few runs, and the
    /// specialized instruction calls the C function from elsewhere in the evaluator).
    init(_ stack: [Frame]) {
        var relevant = stack
        if stack.contains(where: PythonFrames.isPython) {
            relevant = stack.enumerated().filter { index, frame in
                PythonFrames.isPython(frame) || index == 0
            }.map(\.element)
        }
        frames = relevant.map { frame in
            if let function = frame.function, let file = frame.file, let line = frame.line {
                return .source(module: frame.module, function: function, file: file, line: line,
                               column: frame.column, inlined: frame.inlined)
            }
            return .address(module: frame.module, address: frame.address, function: frame.function,
                            inlined: frame.inlined)
        }
    }
}
