// The one error a trace reader throws: which file, and what is wrong with it, in one sentence.

/// A trace file (or directory) that cannot be read. `description` names the path and the problem.
public struct TraceError: Error, CustomStringConvertible, Equatable {
    /// The file or directory concerned.
    public let path: String
    /// What is wrong, lower-case, without the path (e.g. "does not look like an fdhound trace").
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        // Some problems already name the path ("no fdhound traces in DIR"); do not say it twice.
        problem.contains(path) ? problem : "\(path): \(problem)"
    }
}
