// Words and sections for descriptors that outlived their phase (PhaseOutlivedGroup), shared by the text
// and Markdown formatters and the summary line.

enum PhaseOutlivedWording {
    static let title = "Outlived their phase: opened during a phase, still open when it ended, closed only later"
    static let advice = "close them before the phase (the test, the request) ends: until then each one is held on its behalf"

    /// "2 × inet-socket outlived its phase, opened by socket in keep at app.py:12".
    static func headline(_ group: PhaseOutlivedGroup) -> String {
        "\(group.count) × \(group.kind) outlived the phase, opened by \(group.api) in "
            + ReportWording.codePath(group.culprit, calledFrom: group.calledFrom)
    }

    /// "opened 0.100 s–0.120 s, closed 0.900 s–0.950 s".
    static func times(_ group: PhaseOutlivedGroup) -> String {
        "opened \(ReportWording.seconds(group.firstOpenedSeconds))–\(ReportWording.seconds(group.lastOpenedSeconds)), "
            + "closed \(ReportWording.seconds(group.firstClosedSeconds))–\(ReportWording.seconds(group.lastClosedSeconds)) (after the phase ended)"
    }

    /// Summary-line extra: "2 descriptors outlived their phase".
    static func summaryExtras(_ report: Report) -> [String] {
        let count = report.outlivedPhase.reduce(0) { $0 + $1.count }
        return count > 0 ? ["\(ReportWording.plural(count, "descriptor")) outlived their phase"] : []
    }
}

extension TextFormatter {
    static func phaseOutlivedSection(_ report: Report) -> [String] {
        guard !report.outlivedPhase.isEmpty else { return [] }
        var lines = ["\(PhaseOutlivedWording.title) — \(PhaseOutlivedWording.advice):", ""]
        var phase: String?? = nil
        for group in report.outlivedPhase {
            lines += PhaseWording.textHeading(group.phase, after: phase) ?? []
            phase = group.phase
            lines.append("\(group.id)  \(PhaseOutlivedWording.headline(group))")
            lines.append("    " + PhaseOutlivedWording.times(group) + "; " + ReportWording.pidList(group.pids))
            if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("    confidence " + assessment) }
            for sample in group.samples { lines.append("    sample: \(sample)") }
            lines += StackFolding.lines(group.stack, marked: group.culprit, fold: report.foldInterpreterFrames,
                                        keeping: [group.calledFrom].compactMap { $0 })
            lines.append("")
        }
        return lines
    }
}

extension MarkdownFormatter {
    static func phaseOutlivedSection(_ report: Report) -> [String] {
        guard !report.outlivedPhase.isEmpty else { return [] }
        var lines = ["### \(escape(PhaseOutlivedWording.title))", ""]
        var phase: String?? = nil
        for group in report.outlivedPhase {
            lines += PhaseWording.markdownHeading(group.phase, after: phase) ?? []
            phase = group.phase
            lines += ["### \(group.id): \(escape(PhaseOutlivedWording.headline(group)))", "",
                      "- Fix: \(escape(PhaseOutlivedWording.advice))",
                      "- \(escape(PhaseOutlivedWording.times(group)))"]
            if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("- Confidence: " + escape(assessment)) }
            if let location = group.culprit.fullLocation { lines.append("- Opened at: \(code(location))") }
            lines.append("- Process\(group.pids.count == 1 ? "" : "es"): \(group.pids.map(String.init).joined(separator: ", "))")
            lines += group.samples.map { "- Sample: \(code($0))" }
            lines.append("")
            let stack = StackFolding.lines(group.stack, marked: nil, fold: report.foldInterpreterFrames,
                                           keeping: [group.culprit], indent: "")
            lines += stackBlock(stack, frames: group.stack.count)
        }
        return lines
    }
}
