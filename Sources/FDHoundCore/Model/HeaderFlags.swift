// The trace header's flag bits (FDH_HEADER_FLAG_*), named once: passes ask `flags.contains(.forked)`.
import CFDHoundTrace

/// The header's flags (FDH_HEADER_FLAG_*), named.
public struct HeaderFlags: OptionSet, Equatable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let stdioInherited = HeaderFlags(rawValue: FDH_HEADER_FLAG_STDIO_INHERITED.rawValue)
    /// Made by fork in a traced parent (same image): inherited descriptors carry the parent's stacks.
    public static let forked = HeaderFlags(rawValue: FDH_HEADER_FLAG_FORKED.rawValue)
    public static let noStacksAfterFork = HeaderFlags(rawValue: FDH_HEADER_FLAG_NO_STACKS_AFTER_FORK.rawValue)
    public static let pythonFrames = HeaderFlags(rawValue: FDH_HEADER_FLAG_PYTHON_FRAMES.rawValue)
    public static let pythonNativeOnly = HeaderFlags(rawValue: FDH_HEADER_FLAG_PYTHON_NATIVE_ONLY.rawValue)
    public static let diskFull = HeaderFlags(rawValue: FDH_HEADER_FLAG_DISK_FULL.rawValue)
    public static let unwinderYielded = HeaderFlags(rawValue: FDH_HEADER_FLAG_UNWINDER_YIELDED.rawValue)
    public static let attached = HeaderFlags(rawValue: FDH_HEADER_FLAG_ATTACHED.rawValue)
    public static let detached = HeaderFlags(rawValue: FDH_HEADER_FLAG_DETACHED.rawValue)
    /// Always-on mode: stacks were sampled per code path; the others are partial (FrameKind.sampledOut).
    public static let alwaysOn = HeaderFlags(rawValue: FDH_HEADER_FLAG_ALWAYS_ON.rawValue)
    /// Recording stopped (with `detached`) because the program installed a seccomp filter.
    public static let seccomp = HeaderFlags(rawValue: FDH_HEADER_FLAG_SECCOMP.rawValue)
}
