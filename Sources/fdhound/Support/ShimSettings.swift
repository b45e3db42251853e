// The shim's numeric settings and the ranges it accepts (shim/src/config.c, fdh_config_load). The shim
// answers a value outside them by running the program untraced — a run that "passes" with no trace — so
// the CLI checks every value it passes, and every FDHOUND_* number inherited from the environment, first,
// and refuses with a usage error (exit 64). Keep this table equal to config.c's number_setting calls.
import FDHoundCore
enum ShimSettings {
    struct Limit {
        let variable: String
        /// The `fdhound run` option that sets it, if any.
        let option: String?
        let min: UInt64
        let max: UInt64
    }

    static let limits = [
        Limit(variable: "FDHOUND_STACK_DEPTH", option: "--depth", min: 1, max: 128),
        Limit(variable: "FDHOUND_EVENT_CAPACITY", option: "--events", min: 16, max: 1 << 26),
        Limit(variable: "FDHOUND_MAX_FDS", option: nil, min: 64, max: 1 << 24),
        Limit(variable: "FDHOUND_STACK_NODES", option: nil, min: 1024, max: 1 << 26),
        Limit(variable: "FDHOUND_PY_CODES", option: nil, min: 64, max: 1 << 22),
        Limit(variable: "FDHOUND_STRING_BYTES", option: nil, min: 4096, max: 1 << 30),
        Limit(variable: "FDHOUND_ALWAYS_ON", option: nil, min: 0, max: 1),
        Limit(variable: "FDHOUND_SAMPLE_FIRST", option: "--sample-first", min: 1, max: 1 << 20),
        Limit(variable: "FDHOUND_SAMPLE_EVERY", option: "--sample-every", min: 1, max: 1 << 20),
    ]

    /// Always-on mode's settings (`--always-on`, `--sample-first`, `--sample-every` of `run` and `attach`) as
    /// FDHOUND_* variables: the environment of `run`, the settings string of `attach` (fdhound_attach_with).
    static func alwaysOn(first: Int?, every: Int?) -> [(String, String)] {
        [("FDHOUND_ALWAYS_ON", "1")] + (first.map { [("FDHOUND_SAMPLE_FIRST", String($0))] } ?? [])
            + (every.map { [("FDHOUND_SAMPLE_EVERY", String($0))] } ?? [])
    }

    /// The options' checks, shared by `run` and `attach`.
    static func alwaysOnProblem(alwaysOn: Bool, first: Int?, every: Int?) -> String? {
        if !alwaysOn, first != nil || every != nil { return "--sample-first and --sample-every go with --always-on" }
        if let first, let problem = problem(option: "--sample-first", value: first) { return problem }
        if let every, let problem = problem(option: "--sample-every", value: every) { return problem }
        return nil
    }

    /// Why `value` given to `option` is refused, or nil if the shim accepts it.
    static func problem(option: String, value: Int) -> String? {
        guard let limit = limits.first(where: { $0.option == option }) else { return nil }
        if value >= 0, UInt64(value) >= limit.min, UInt64(value) <= limit.max { return nil }
        return "\(option) must be between \(limit.min) and \(limit.max) (the shim's limits); got \(value)"
    }

    /// Why a FDHOUND_* number in `environment` would make the shim refuse to trace, or nil.
    static func problem(environment: [String: String]) -> String? {
        for limit in limits {
            guard let text = environment[limit.variable] else { continue }
            // The shim's parser: decimal digits only, no sign, no spaces.
            let digitsOnly = !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            if digitsOnly, let value = UInt64(text), value >= limit.min, value <= limit.max { continue }
            return "\(limit.variable)=\(VisibleEscapes.escape(text)) in the environment is outside the shim's limits "
                + "(\(limit.min)–\(limit.max)); the command would run untraced"
        }
        return nil
    }
}
