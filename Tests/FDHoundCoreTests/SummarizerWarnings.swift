// The process warnings ProcessSummarizer gives for a one-descriptor trace that `configure` adjusts: shared by
// the tests of what the report says about the trace's own state (full disk, tracer state).
import FDHoundTestSupport
@testable import FDHoundCore

func summarizerWarnings(pid: Int32, _ configure: (TraceBuilder) -> Void) throws -> String {
    let b = TraceBuilder(pid: pid)
    b.open(fd: 3, path: "/a")
    configure(b)
    let trace = try TraceFile(bytes: b.build(), path: "mem")
    return ProcessSummarizer.warnings(for: trace).joined(separator: "\n")
}
