// Walks the stack trie (struct fdh_stack_node) from an event's innermost node to the outermost frame. The
// walk is capped and checks every link, because a corrupt file can contain cycles or dangling ids.
import CFDHoundTrace

/// One native frame as recorded: the address and whether it is a return address or an exact PC.
public struct RecordedFrame: Equatable, Hashable, Sendable {
    public let ip: UInt64
    public let kind: FrameKind
}

/// What a recorded frame is (enum fdh_frame_kind), decoded as the stack is walked.
public enum FrameKind: UInt16, Sendable {
    /// A native return address: symbolize `ip - 1`, inside the call instruction.
    case returnAddress = 0
    /// A native exact instruction address (also how a kind this reader does not know is read).
    case exactPC = 1
    /// `ip = (code id << 32) | byte offset`, resolved through the CPython code table (section 8).
    case python = 2
    /// The one-node stack of a call a signal handler made inside the recorder: no stack captured.
    case nested = 3
    /// The outermost node of a partial stack (always-on mode): the stack was not captured; the frames
    /// inside it name its code path (the innermost Python frame, if any, and the caller). StackSampling.
    case sampledOut = 4
    /// The signal return trampoline: the frames inside it ran in a signal handler; the next outer frame
    /// (an exact PC) is where the signal interrupted the program.
    case signalTrampoline = 5

    init(traceValue: UInt16) { self = FrameKind(rawValue: traceValue) ?? .exactPC }
}

/// The frames of one stack, innermost first, and why the walk stopped early (nil if it reached the root).
public struct StackWalk: Equatable, Sendable {
    public let frames: [RecordedFrame]
    public let problem: String?
}

/// The stack-node section of one trace.
struct StackNodeTable {
    let reader: ByteReader
    let bounds: SectionBounds
    /// Frames after which a walk stops: the writer's configured depth, never above FDH_MAX_STACK_DEPTH.
    let depthLimit: Int

    init(reader: ByteReader, bounds: SectionBounds, configuredDepth: UInt32) {
        self.reader = reader
        self.bounds = bounds
        let maximum = Int(FDH_MAX_STACK_DEPTH)
        depthLimit = configuredDepth == 0 ? maximum : min(Int(configuredDepth), maximum)
    }

    func walk(_ stackID: UInt32) -> StackWalk {
        var frames = [RecordedFrame]()
        var visited = Set<UInt32>()
        var id = stackID
        while id != 0 {
            guard Int(id) < bounds.capacity,
                  let node = reader.load(fdh_stack_node.self, at: bounds.entryOffset(Int(id))) else {
                return StackWalk(frames: frames, problem: "stack node \(id) is outside the node table")
            }
            guard node.state == UInt16(FDH_NODE_PUBLISHED.rawValue) else {
                return StackWalk(frames: frames, problem: "stack node \(id) is not published")
            }
            guard visited.insert(id).inserted else {
                return StackWalk(frames: frames, problem: "stack \(stackID) has a cycle at node \(id)")
            }
            guard frames.count < depthLimit else {
                return StackWalk(frames: frames, problem: "stack \(stackID) is deeper than \(depthLimit) frames")
            }
            frames.append(RecordedFrame(ip: node.ip, kind: FrameKind(traceValue: node.kind)))
            id = node.parent
        }
        return StackWalk(frames: frames, problem: nil)
    }
}
