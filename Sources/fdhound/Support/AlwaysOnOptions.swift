// The always-on options `run` and `attach` share (one @OptionGroup): whether stacks are sampled per code
// path, and how; validated and turned into the shim's settings (ShimSettings) in one place.
import ArgumentParser

struct AlwaysOnOptions: ParsableArguments {
    @Flag(name: .customLong("always-on"), help: ArgumentHelp(
        "Always-on mode, for production: every call is still counted, but full stacks only for the first calls of each code path and a sample of the rest.",
        discussion: "A code path is the two calling frames (under Python: the calling frame and the innermost Python frame). Leaks keep exact counts and are shown with their code path's full stack, saying how many stacks were sampled."))
    var alwaysOn = false

    @Option(name: .customLong("sample-first"), help: "With --always-on: full stacks per code path before sampling (default 8).")
    var sampleFirst: Int?

    @Option(name: .customLong("sample-every"), help: "With --always-on: then one full stack in this many calls, on average (default 64).")
    var sampleEvery: Int?

    func validate() throws {
        if let problem = ShimSettings.alwaysOnProblem(alwaysOn: alwaysOn, first: sampleFirst, every: sampleEvery) {
            throw ValidationError(problem)
        }
    }

    /// The shim's settings (name, value) for always-on mode; nil when it is off.
    var settings: [(String, String)]? {
        alwaysOn ? ShimSettings.alwaysOn(first: sampleFirst, every: sampleEvery) : nil
    }
}
