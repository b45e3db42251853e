// The terminal report: a headline, one line per process, then one block per leaking code path with its
// stack, then warnings. Every line goes through VisibleEscapes: names from the program cannot control
// the terminal or forge lines.

enum TextFormatter {
    static func render(_ report: Report) -> String {
        var lines = ["fdhound report — \(ReportWording.leakTotals(report)), \(ReportWording.processes(report))", ""]
        for (process, depth) in ReportWording.processTree(report) {
            lines.append(String(repeating: "  ", count: depth) + "process \(process.pid)  \(ReportWording.command(process))  \(EvidenceWording.state(process))  "
                + (process.state == "execed" ? "\(process.openAtEnd) open at exec  "
                    : "\(process.leaked) leaked, \(process.openAtEnd) open at end  ") + ReportWording.rlimit(process)
                + { $0.isEmpty ? "" : "  [\($0)]" }(ReportWording.leakShare(of: process, in: report)))
            if let dbus = process.dbus { lines.append("    " + ReportWording.dbusSummary(dbus)) }
            lines += EvidenceWording.processLines(process, failures: report.exhaustion.isEmpty).map { String(repeating: "  ", count: depth) + "    " + $0 }
            if let python = process.python, PythonStatus.isNoteworthy(python) {
                lines.append(String(repeating: "  ", count: depth) + "    python: " + python)
            }
        }
        lines.append("")
        if report.leaks.isEmpty {
            lines += ["No descriptors left open.", ""]
        }
        var phase: String?? = nil // the previous finding's phase: a heading starts each phase
        // "Once" findings (opened once, held to the end: often by design) come compactly after the rest.
        let (full, once) = ReportWording.splitOnce(report)
        for leak in full {
            lines += PhaseWording.textHeading(leak.phase, after: phase) ?? []
            phase = leak.phase
            lines.append("#\(leak.id.dropFirst())  \(leak.count) × \(leak.kind)  \(ReportWording.headline(leak))")
            if let assessment = LeakAssessmentWording.line(leak) { lines.append("    " + assessment) }
            var facts = [String]()
            if let totals = ReportWording.siteTotals(leak) { facts.append(totals) }
            if let sampling = ReportWording.stackSampling(leak) { facts.append(sampling) }
            facts.append("first seen \(ReportWording.seconds(leak.firstSeenSeconds)), last \(ReportWording.seconds(leak.lastSeenSeconds))")
            facts.append(ReportWording.pidList(leak.pids))
            if leak.owner != "fd" { facts.append("released by \(leak.owner == "FILE*" ? "fclose" : leak.owner == "DIR*" ? "closedir" : leak.owner)") }
            lines.append("    " + facts.joined(separator: "; "))
            if let closeWait = ReportWording.closeWait(leak) { lines.append("    ⚠ " + closeWait) }
            for sample in leak.samples { lines.append("    sample: \(sample)") }
            lines += StackFolding.lines(leak.stack, marked: leak.culprit, fold: report.foldInterpreterFrames,
                                        keeping: [leak.calledFrom].compactMap { $0 })
            lines.append("")
        }
        if !once.isEmpty {
            lines.append(LeakAssessmentWording.onceHeading(once.count) + ":")
            for leak in once {
                lines.append("  #\(leak.id.dropFirst())  \(leak.count) × \(leak.kind)  \(ReportWording.headline(leak))  (\(ReportWording.pidList(leak.pids)))")
                if let assessment = LeakAssessmentWording.line(leak) { lines.append("      " + assessment) }
                if let sample = leak.samples.first { lines.append("      sample: \(sample)") }
            }
            lines.append("")
        }
        if !report.exhaustion.isEmpty {
            lines += [EvidenceWording.exhaustionHeading + ":", ""]
            for entry in report.exhaustion {
                lines.append("\(entry.id)  " + EvidenceWording.exhaustionLine(entry))
                lines += EvidenceWording.exhaustionHolders(entry, leaks: report.leaks).map { "    held then: " + $0 }
            }
            lines.append("")
        }
        lines += processTreeSections(report)
        lines += reclaimSections(report)
        lines += phaseOutlivedSection(report)
        lines += timeLeftSection(report)
        if report.showInherited {
            lines.append("Not leaks (inherited or stdio): \(report.inherited.count)")
            for item in report.inherited { lines.append("    " + ReportWording.inheritedLine(item)) }
            lines.append("")
            if !report.execPassed.isEmpty {
                lines.append("Not leaks (passed on purpose across exec): \(report.execPassed.count)")
                for group in report.execPassed { lines.append("    \(group.id)  " + ProcessTreeWording.passedLine(group)) }
                lines.append("")
            }
        }
        if !report.suppressions.isEmpty {
            lines.append(SuppressionWording.heading + ":")
            for use in report.suppressions { lines.append("  " + SuppressionWording.line(use)) }
            lines.append("")
        }
        if !report.warnings.isEmpty {
            lines.append("Warnings:")
            for warning in report.warnings { lines.append("  - \(warning)") }
            lines.append("")
        }
        return VisibleEscapes.joinedLines(lines)
    }
}

extension TextFormatter {
    /// "Time left, by code path:" — each rising code path with its rate and projection.
    static func timeLeftSection(_ report: Report) -> [String] {
        guard !report.timeLeft.isEmpty else { return [] }
        var lines = ["Time left, by rising code path:", ""]
        for path in report.timeLeft {
            lines.append("\(path.open) × \(path.kind)  opened by \(path.api) in "
                + ReportWording.codePath(path.culprit, calledFrom: path.calledFrom) + "  (pid \(path.pid))")
            lines.append("    " + TimeLeftWording.sentence(path.timeLeft, what: path.kind))
            if let dbus = path.dbusTimeLeft { lines.append("    " + TimeLeftWording.sentence(dbus, what: "connection")) }
        }
        lines.append("")
        return lines
    }
}
