// The bug-ticket report: a summary table, then one section per leaking code path with its stack in a
// code block. Cells are escaped so paths with | or ` cannot break the table, and every line goes through
// VisibleEscapes, so a newline or control character in a name is shown, never a new row or heading.

enum MarkdownFormatter {
    static func render(_ report: Report) -> String {
        var lines = ["## fdhound report", "",
                     "\(capitalized(ReportWording.leakTotals(report))), \(ReportWording.processes(report)).", ""]
        if !report.leaks.isEmpty {
            lines += ["| rank | count | kind | pattern | confidence | culprit | location |",
                      "| --- | ---: | --- | --- | --- | --- | --- |"]
            for leak in report.leaks {
                lines.append("| \(leak.id) | \(leak.count) | \(leak.kind) | \(leak.pattern?.rawValue ?? "") | "
                    + "\(leak.confidence?.rawValue ?? "") | \(code(ReportWording.name(of: leak.culprit))) | "
                    + "\(leak.culprit.shortLocation.map(code) ?? "") |")
            }
            lines.append("")
        }
        lines += ["| pid | command | state | leaked | code paths | open at end | RLIMIT_NOFILE |",
                  "| ---: | --- | --- | ---: | --- | ---: | --- |"]
        for process in report.processes {
            lines.append("| \(process.pid) | \(code(ReportWording.command(process))) | \(EvidenceWording.state(process)) | \(process.leaked) | "
                + "\(ReportWording.leakShare(of: process, in: report)) | "
                + "\(process.openAtEnd) | \(process.rlimitSoft.map(String.init) ?? "unlimited") |")
        }
        lines.append("")
        let nearLimit = report.processes.flatMap { process in
            EvidenceWording.processLines(process, failures: report.exhaustion.isEmpty).map { "- pid \(process.pid): " + escape($0) }
        }
        if !nearLimit.isEmpty { lines += ["### Near the limit", ""] + nearLimit + [""] }
        if !report.exhaustion.isEmpty {
            lines += ["### " + EvidenceWording.exhaustionHeading, ""]
            for entry in report.exhaustion {
                lines.append("- \(entry.id): " + escape(EvidenceWording.exhaustionLine(entry)))
                lines += EvidenceWording.exhaustionHolders(entry, leaks: report.leaks).map { "  - held then: " + escape($0) }
            }
            lines.append("")
        }
        if !report.timeLeft.isEmpty {
            lines += ["### Time left, by rising code path", ""]
            for path in report.timeLeft {
                lines.append("- \(path.open) × \(path.kind) opened by \(code(path.api)) in "
                    + code(ReportWording.codePath(path.culprit, calledFrom: path.calledFrom)) + " (pid \(path.pid)): "
                    + escape(TimeLeftWording.sentence(path.timeLeft, what: path.kind))
                    + (path.dbusTimeLeft.map { "; " + escape(TimeLeftWording.sentence($0, what: "connection")) } ?? ""))
            }
            lines.append("")
        }
        lines += dbusLines(report)
        var phase: String?? = nil // the previous finding's phase: a heading starts each phase
        let (full, once) = ReportWording.splitOnce(report)
        for leak in full {
            lines += PhaseWording.markdownHeading(leak.phase, after: phase) ?? []
            phase = leak.phase
            lines.append("### \(leak.id): \(leak.count) × \(leak.kind) opened by \(code(leak.api)) in \(code(ReportWording.name(of: leak.culprit)))")
            lines.append("")
            if let assessment = LeakAssessmentWording.line(leak) { lines.append("- Pattern: " + escape(assessment)) }
            if let location = leak.culprit.fullLocation { lines.append("- Location: \(code(location))") }
            if let caller = leak.calledFrom {
                lines.append("- Called from: \(code(ReportWording.name(of: caller)))"
                    + (caller.fullLocation.map { " at \(code($0))" } ?? ""))
            }
            if let totals = ReportWording.siteTotals(leak) { lines.append("- Call site: \(totals)") }
            if let sampling = ReportWording.stackSampling(leak) { lines.append("- Stack: \(sampling)") }
            if let closeWait = ReportWording.closeWait(leak) { lines.append("- **\(closeWait)**") }
            lines.append("- First seen \(ReportWording.seconds(leak.firstSeenSeconds)), last \(ReportWording.seconds(leak.lastSeenSeconds)) after start")
            lines.append("- Process\(leak.pids.count == 1 ? "" : "es"): \(leak.pids.map(String.init).joined(separator: ", "))")
            for sample in leak.samples { lines.append("- Sample: \(code(sample))") }
            lines.append("")
            let stack = StackFolding.lines(leak.stack, marked: nil, fold: report.foldInterpreterFrames,
                                           keeping: [leak.culprit] + [leak.calledFrom].compactMap { $0 }, indent: "")
            lines += stackBlock(stack, frames: leak.stack.count)
        }
        if !once.isEmpty {
            lines += ["### " + escape(LeakAssessmentWording.onceHeading(once.count)), ""]
            for leak in once {
                lines.append("- \(leak.id): \(leak.count) × \(leak.kind) opened by \(code(leak.api)) in "
                    + code(ReportWording.codePath(leak.culprit, calledFrom: leak.calledFrom))
                    + " (\(ReportWording.pidList(leak.pids)))" + (LeakAssessmentWording.line(leak).map { ": " + escape($0) } ?? "")
                    + (leak.samples.first.map { "; sample \(code($0))" } ?? ""))
            }
            lines.append("")
        }
        lines += processTreeSections(report)
        lines += reclaimSections(report)
        lines += phaseOutlivedSection(report)
        if report.showInherited && !report.inherited.isEmpty {
            lines += ["### Not leaks: inherited or stdio", ""]
            lines += report.inherited.map { "- " + code(ReportWording.inheritedLine($0)) }
            lines.append("")
        }
        if report.showInherited && !report.execPassed.isEmpty {
            lines += ["### Not leaks: passed on purpose across exec", ""]
            lines += report.execPassed.map { "- \($0.id): " + escape(ProcessTreeWording.passedLine($0)) }
            lines.append("")
        }
        lines += ["### Environment", ""] + EnvironmentWording.facts(report).map { "- \($0.label): \(code($0.value))" } + [""]
        if !report.suppressions.isEmpty {
            lines += ["### " + SuppressionWording.heading, ""]
            lines += report.suppressions.map { "- " + escape(SuppressionWording.line($0)) }
            lines.append("")
        }
        if !report.warnings.isEmpty {
            lines += ["### Warnings", ""]
            lines += report.warnings.map { "- " + escape($0) }
            lines.append("")
        }
        return VisibleEscapes.joinedLines(lines)
    }

    /// An inline code span that survives backticks and table pipes in the text.
    static func code(_ text: String) -> String {
        let text = VisibleEscapes.escape(text)
        let ticks = text.contains("`") ? "``" : "`"
        let padded = text.contains("`") ? " \(text) " : text
        return ticks + padded.replacingOccurrences(of: "|", with: "\\|") + ticks
    }

    /// Plain text with the characters that would start markup or break a table escaped.
    static func escape(_ text: String) -> String {
        let text = VisibleEscapes.escape(text)
        var result = ""
        for character in text {
            if "\\`*_|<>[]#".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// A stack as GitHub shows it folded: a <details> block (blank lines around the fenced code, so the
    /// Markdown inside the HTML block is rendered), summary "stack (N frames)" or the label given.
    static func stackBlock(_ lines: [String], frames: Int, summary: String = "stack") -> [String] {
        let fence = fence(for: lines)
        return ["<details><summary>\(escape(summary)) (\(ReportWording.plural(frames, "frame")))</summary>", "", fence]
            + lines + [fence, "", "</details>", ""]
    }

    /// A code fence longer than any backtick run inside the block.
    static func fence(for lines: [String]) -> String {
        var longest = 0
        for line in lines {
            var run = 0
            for character in line {
                run = character == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    private static func capitalized(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}
