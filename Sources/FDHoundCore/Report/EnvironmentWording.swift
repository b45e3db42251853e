// The environment a bug ticket needs to reproduce a run: which fdhound and trace format, and what was run
// (program, argv, pid of each process the run started from). The kernel and libc of the traced machine are
// not recorded in the trace (format 2), so they are not claimed here.

enum EnvironmentWording {
    /// Labelled facts, in the order shown.
    static func facts(_ report: Report) -> [(label: String, value: String)] {
        var facts: [(label: String, value: String)] = [("fdhound", report.tool.version)]
        let versions = Set(report.processes.map(\.traceFormatVersion)).filter { $0 > 0 }.sorted()
        if !versions.isEmpty { facts.append(("trace format", versions.map { "version \($0)" }.joined(separator: ", "))) }
        facts.append(("traces", report.tracePath))
        for (process, depth) in ReportWording.processTree(report) where depth == 0 && process.state != "execed" {
            facts.append(("program", process.executable ?? "?"))
            facts.append(("argv", process.argv.joined(separator: " ")))
            facts.append(("pid", "\(process.pid)"))
        }
        return facts
    }
}
