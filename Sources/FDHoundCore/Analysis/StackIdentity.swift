// When two stacks are "the same code path": frames compare by source position when they have one, so a call
// the compiler duplicated (an unrolled loop gives one call instruction per copy, at different addresses on
// the same line) is still one leak group. Frames without a source line compare by module and address.

struct StackIdentity: Hashable {
    private enum FrameKey: Hashable {
        case source(module: String, function: String, file: String, line: Int, column: Int?, inlined: Bool)
        case address(module: String, address: String, function: String?, inlined: Bool)
    }

    private let frames: [FrameKey]

    init(_ stack: [Frame]) {
        frames = stack.map { frame in
            if let function = frame.function, let file = frame.file, let line = frame.line {
                return .source(module: frame.module, function: function, file: file, line: line,
                               column: frame.column, inlined: frame.inlined)
            }
            return .address(module: frame.module, address: frame.address, function: frame.function,
                            inlined: frame.inlined)
        }
    }
}
