// How a leaking code path behaved over the run, and how sure the report is that it is a bug: part of the
// report model (JSON names are a public contract, docs/REPORT-JSON.md). LeakAssessment decides them.

/// The shape of a leak over the run.
public enum LeakPattern: String, Codable, CaseIterable, Sendable {
    /// Opened many times, and more and more were kept as the run went on: the count grew until exit.
    case growing
    /// Opened many times, many kept, but not still being added at the end (a burst, a pool, a cache).
    case repeated
    /// Opened once (per process), early or late, and held to the end: often a descriptor kept by design.
    case once

    /// Most severe first: the order reports rank by.
    var severity: Int {
        switch self {
        case .growing: return 0
        case .repeated: return 1
        case .once: return 2
        }
    }
}

/// How sure the report is that a finding is a bug to fix.
public enum Confidence: String, Codable, CaseIterable, Sendable {
    case high, medium, low
}

extension LeakGroup {
    /// Opened once and held to the end outside any phase: what text and Markdown list compactly, what
    /// `check` ignores unless --strict, and what SARIF calls a note. A descriptor opened once inside a
    /// phase (a test, a request) outlived that phase: it stays a full finding.
    public var isHeldOnce: Bool { pattern == .once && phase == nil }
}
