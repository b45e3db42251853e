// How a traced process ended (enum fdh_process_state), as reports name it.

/// The header's `state` field. RUNNING also covers a process that died without running destructors.
public enum ProcessState: UInt32, Sendable {
    case running = 1, exited = 2, execed = 3

    /// The report's name: "exited", "running-or-killed", "execed" (or "unknown" for other values).
    public static func name(_ traceValue: UInt32) -> String {
        switch ProcessState(rawValue: traceValue) {
        case .running: return "running-or-killed"
        case .exited: return "exited"
        case .execed: return "execed"
        case nil: return "unknown"
        }
    }
}
