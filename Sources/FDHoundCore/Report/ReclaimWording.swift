// Words and sections for the leaks Python hides (reclaimed descriptors, growing code paths), shared by the
// text and markdown formatters and the summary line.

enum ReclaimWording {
    /// "by a finalizer", "by the garbage collector", "at interpreter shutdown".
    static func how(_ kind: ReclaimKind) -> String {
        switch kind {
        case .finalizer: return "by a finalizer"
        case .garbageCollector: return "by the garbage collector"
        case .interpreterShutdown: return "at interpreter shutdown"
        }
    }

    static let reclaimedTitle = "Never closed by the program, released by Python (finalizer, garbage collector or shutdown)"
    static let reclaimedAdvice = "close them explicitly (a with block or close()): until Python gets round to it, each one holds a descriptor"
    static let growthTitle = "Growing: live descriptors kept rising during the run"

    /// "3 × inet-socket released by a finalizer, opened by socket in connect at client.py:12".
    static func headline(_ group: ReclaimedGroup) -> String {
        "\(group.count) × \(group.kind) released \(how(group.how)), opened by \(group.api) in "
            + ReportWording.codePath(group.culprit, calledFrom: group.calledFrom)
    }

    /// "last reference dropped in handle at server.py:40" / "collected when main at app.py:9 ran".
    static func released(_ group: ReclaimedGroup) -> String? {
        guard let frame = group.releasedIn else { return nil }
        let place = ReportWording.name(of: frame) + (frame.shortLocation.map { " at \($0)" } ?? "")
        return group.how == .garbageCollector ? "collected while \(place) ran" : "released while \(place) ran"
    }

    /// "6 × inet-socket held, still rising, opened by socket in handle_client at server.py:30".
    static func headline(_ group: GrowthGroup) -> String {
        "\(group.count) × \(group.kind) held and rising, opened by \(group.api) in "
            + ReportWording.codePath(group.culprit, calledFrom: group.calledFrom)
    }

    /// "opened 6, released 0 before shutdown, peak 6; lowest live count per quarter of its activity 1, 3, 4, 6".
    static func evidence(_ group: GrowthGroup) -> String {
        "opened \(group.opened), released \(group.closed) before shutdown, peak \(group.peak); "
            + "lowest live count per quarter of its activity " + group.lowWaterMarks.map(String.init).joined(separator: ", ")
    }

    /// Summary-line extras: "5 released by Python instead of closed", "1 growing code path".
    static func summaryExtras(_ report: Report) -> [String] {
        var extras = [String]()
        let reclaimed = report.reclaimed.reduce(0) { $0 + $1.count }
        if reclaimed > 0 { extras.append("\(ReportWording.plural(reclaimed, "descriptor")) released by Python instead of closed") }
        if !report.growth.isEmpty { extras.append(ReportWording.plural(report.growth.count, "growing code path")) }
        return extras
    }
}

extension TextFormatter {
    static func reclaimSections(_ report: Report) -> [String] {
        var lines = [String]()
        func stack(_ frames: [Frame], culprit: Frame) {
            lines += StackFolding.lines(frames, marked: culprit, fold: report.foldInterpreterFrames)
        }
        if !report.reclaimed.isEmpty {
            lines += ["\(ReclaimWording.reclaimedTitle) — \(ReclaimWording.reclaimedAdvice):", ""]
            var phase: String?? = nil
            for group in report.reclaimed {
                lines += PhaseWording.textHeading(group.phase, after: phase) ?? []
                phase = group.phase
                lines.append("\(group.id)  \(ReclaimWording.headline(group))")
                var facts = ["opened \(ReportWording.seconds(group.firstOpenedSeconds))–\(ReportWording.seconds(group.lastOpenedSeconds)), released \(ReportWording.seconds(group.firstReleasedSeconds))–\(ReportWording.seconds(group.lastReleasedSeconds))"]
                facts.append(ReportWording.pidList(group.pids))
                lines.append("    " + facts.joined(separator: "; "))
                if let released = ReclaimWording.released(group) { lines.append("    " + released) }
                if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("    confidence " + assessment) }
                for sample in group.samples { lines.append("    sample: \(sample)") }
                stack(group.stack, culprit: group.culprit)
                lines.append("")
            }
        }
        if !report.growth.isEmpty {
            lines += ["\(ReclaimWording.growthTitle):", ""]
            for group in report.growth {
                lines.append("\(group.id)  \(ReclaimWording.headline(group))")
                lines.append("    " + ReclaimWording.evidence(group) + "; " + ReportWording.pidList(group.pids))
                if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("    confidence " + assessment) }
                stack(group.stack, culprit: group.culprit)
                lines.append("")
            }
        }
        return lines
    }
}

extension MarkdownFormatter {
    static func reclaimSections(_ report: Report) -> [String] {
        var lines = [String]()
        func block(_ frames: [Frame], keeping culprit: Frame) {
            let stack = StackFolding.lines(frames, marked: nil, fold: report.foldInterpreterFrames, keeping: [culprit],
                                           indent: "")
            lines += stackBlock(stack, frames: frames.count)
        }
        var phase: String?? = nil
        for group in report.reclaimed {
            lines += PhaseWording.markdownHeading(group.phase, after: phase) ?? []
            phase = group.phase
            lines += ["### \(group.id): \(escape(ReclaimWording.headline(group)))", "",
                      "- Fix: \(ReclaimWording.reclaimedAdvice)"]
            if let location = group.culprit.fullLocation { lines.append("- Opened at: \(code(location))") }
            if let released = ReclaimWording.released(group) { lines.append("- \(escape(released))") }
            if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("- Confidence: " + escape(assessment)) }
            lines.append("- Process\(group.pids.count == 1 ? "" : "es"): \(group.pids.map(String.init).joined(separator: ", "))")
            lines += group.samples.map { "- Sample: \(code($0))" }
            lines.append("")
            block(group.stack, keeping: group.culprit)
        }
        for group in report.growth {
            lines += ["### \(group.id): \(escape(ReclaimWording.headline(group)))", "",
                      "- \(escape(ReclaimWording.evidence(group)))"]
            if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("- Confidence: " + escape(assessment)) }
            if let location = group.culprit.fullLocation { lines.append("- Opened at: \(code(location))") }
            lines.append("- Process\(group.pids.count == 1 ? "" : "es"): \(group.pids.map(String.init).joined(separator: ", "))")
            lines.append("")
            block(group.stack, keeping: group.culprit)
        }
        return lines
    }
}
