// The environment a bug ticket needs to reproduce a run: which fdhound and trace format, and what was run
// (program, argv, pid of each process the run started from), and the kernel and C library the shim recorded
// (traces of older writers hold neither: then nothing is claimed).

enum EnvironmentWording {
    /// Labelled facts, in the order shown.
    static func facts(_ report: Report) -> [(label: String, value: String)] {
        var facts: [(label: String, value: String)] = [("fdhound", report.tool.version)]
        let versions = Set(report.processes.map(\.traceFormatVersion)).filter { $0 > 0 }.sorted()
        if !versions.isEmpty { facts.append(("trace format", versions.map { "version \($0)" }.joined(separator: ", "))) }
        facts.append(("traces", report.tracePath))
        for (label, values) in [("kernel", report.processes.compactMap(\.kernel)), ("libc", report.processes.compactMap(\.libc))] {
            let distinct = Array(Set(values)).sorted()
            if !distinct.isEmpty { facts.append((label, distinct.joined(separator: "; "))) }
        }
        for (process, depth) in ReportWording.processTree(report) where depth == 0 && process.state != "execed" {
            facts.append(("program", process.executable ?? "?"))
            facts.append(("argv", process.argv.joined(separator: " ")))
            facts.append(("pid", "\(process.pid)"))
        }
        return facts
    }
}
