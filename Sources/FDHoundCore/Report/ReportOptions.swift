// What a report should contain; set by the CLI from its flags.

/// Options for `ReportBuilder.build`.
public struct ReportOptions {
    /// Frames kept per stack (the culprit is chosen from the full stack first).
    public var maxFrames: Int = 16
    /// Whether text and markdown list inherited descriptors and stdio (JSON always does).
    public var includeInherited: Bool = false
    /// Whether text and markdown show every native frame of Python-aware stacks (`--native-frames`)
    /// instead of folding the interpreter's internals (JSON always has them all).
    public var nativeFrames: Bool = false
    /// nil: `LLVMSymbolizer` if llvm-symbolizer is found, else `NullSymbolizer` with a warning.
    public var symbolizer: Symbolizer?
    /// Whether to compare the modules the trace recorded with the files on this machine (warnings when one
    /// changed or is gone). Off for the golden snapshots, which must not depend on the machine.
    public var checkModuleFiles = true
    /// Only what `fdhound run`'s summary line counts (leaks, exec leaks, misuse, reclaimed, outlived, growth): the
    /// time-left forecast and its chart, evidence, per-process warnings and module checks are skipped, so
    /// the summary at exit does not pay for the whole report.
    public var summaryOnly: Bool = false

    /// Suppression entries (`--suppressions FILE`, SuppressionFile.load): matched findings leave the report.
    public var suppressions: [SuppressionEntry] = []

    public init() {}
}
