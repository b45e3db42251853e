// Turns a recorded stack (ips) into module-relative addresses: which module held each ip when the
// descriptor was opened, and the file virtual address to hand the symbolizer. Python frames, the signal
// trampoline and the "nested" marker (a signal handler's call, no stack captured) are resolved here, not by it.

/// One recorded frame placed in its module.
struct AddressFrame: Hashable {
    /// The module's path; nil when no recorded module held the address (or its path string was lost).
    let modulePath: String?
    let buildID: String?
    /// The symbolizer's address: (ip − 1 for return addresses) − load bias; the absolute ip without module.
    let address: UInt64
    /// Interpreter frames (kind 2) are not native code: they are resolved through the trace's code table.
    let isInterpreter: Bool
    /// The resolved Python frame of an interpreter frame (function, file, line decoded offline).
    var python: Frame? = nil

    /// The request for this frame, or nil if it cannot be symbolized.
    var request: SymbolRequest? {
        guard let modulePath, !isInterpreter else { return nil }
        return SymbolRequest(modulePath: modulePath, buildID: buildID, address: address)
    }

    /// The frame shown when the symbolizer knew nothing: module+offset.
    var unsymbolized: Frame {
        if let python { return python }
        return Frame(module: isInterpreter ? "[interpreter]" : (modulePath ?? "[unknown]"),
              address: "0x" + String(address, radix: 16))
    }
}

enum StackResolver {
    /// The frame between a signal handler and the code it interrupted (gdb's words for it).
    static let signalHandlerCalled = "<signal handler called>"

    /// The frames of stack `id` in `trace`, placed in the modules loaded at event `seq`, plus the walk's
    /// problem (cycle, dangling id) if it stopped early.
    static func resolve(_ id: UInt32, in trace: TraceFile, atSeq seq: UInt64) -> (frames: [AddressFrame], problem: String?) {
        let walk = trace.stack(id)
        let frames = walk.frames.map { frame -> AddressFrame in
            if frame.kind == .nested {
                var address = AddressFrame(modulePath: nil, buildID: nil, address: 0, isInterpreter: true)
                address.python = Frame(function: "(a signal handler that interrupted the tracer: no stack captured)",
                                       module: "[fdhound]", address: "0x0")
                return address
            }
            if frame.kind == .signalTrampoline {
                var address = AddressFrame(modulePath: nil, buildID: nil, address: 0, isInterpreter: true)
                address.python = Frame(function: signalHandlerCalled, module: "[signal]", address: "0x0")
                return address
            }
            if frame.kind == .sampledOut {
                var address = AddressFrame(modulePath: nil, buildID: nil, address: 0, isInterpreter: true)
                address.python = Frame(function: StackSampling.notSampledFrame, module: "[fdhound]", address: "0x0")
                return address
            }
            if frame.kind == .python {
                var address = AddressFrame(modulePath: nil, buildID: nil, address: frame.ip, isInterpreter: true)
                address.python = PythonFrames.frame(ip: frame.ip, in: trace)
                return address
            }
            // A return address points after the call; minus 1 lands inside the call instruction, so the
            // line reported is the call's, not the next statement's.
            let pc = frame.kind == .returnAddress && frame.ip > 0 ? frame.ip - 1 : frame.ip
            guard let module = trace.module(containing: pc, atSeq: seq), let path = module.path else {
                return AddressFrame(modulePath: nil, buildID: nil, address: pc, isInterpreter: false)
            }
            return AddressFrame(modulePath: path, buildID: module.buildID, address: pc &- module.loadBias,
                                isInterpreter: false)
        }
        return (frames, walk.problem)
    }
}
