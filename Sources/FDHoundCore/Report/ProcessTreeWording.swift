// Words for what crossed between processes and for misuse, shared by the text and markdown formatters.

enum ProcessTreeWording {
    /// "2 × pipe leaked into /bin/sleep (pid 41), opened by pipe in start_worker at worker.c:12".
    static func headline(_ group: ExecLeakGroup, verb: String = "leaked into") -> String {
        var text = "\(group.count) × \(group.kind) \(verb) \(group.intoProgram) "
            + "(\(ReportWording.pidList(group.intoPids))), "
            + "opened by \(group.api) in \(ReportWording.name(of: group.culprit))"
        if let location = group.culprit.shortLocation { text += " at \(location)" }
        return text
    }

    /// "1 × pipe passed into /bin/cat (pid 9), opened by pipe in main at spawn.c:8 — on purpose: dup2 in the child".
    static func passedLine(_ group: ExecLeakGroup) -> String {
        headline(group, verb: "passed into") + (group.passedBecause.map { " — on purpose: \($0)" } ?? "")
    }

    static let execAdvice = "they had no close-on-exec flag: open them with O_CLOEXEC / SOCK_CLOEXEC, or close them before exec"

    /// "double close of fd 5 (/dev/null) in worker_done at pool.c:40".
    static func headline(_ group: MisuseGroup) -> String {
        let what: String
        switch group.kind {
        case "double-close": what = "double close"
        case "owner-violation": what = "raw close() of a descriptor owned by a \(group.owner ?? "stream")"
        default: what = "close of a descriptor that was not open"
        }
        var text = "\(what) of fd \(group.fd)"
        if let description = group.description { text += " (\(description))" }
        text += " in \(ReportWording.name(of: group.close.culprit))"
        if let location = group.close.culprit.shortLocation { text += " at \(location)" }
        if group.count > 1 { text += ", \(group.count) times" }
        return text
    }

    static func advice(_ group: MisuseGroup) -> String {
        switch group.kind {
        case "double-close":
            return "the second close may close a descriptor another thread or library has opened since"
        case "owner-violation":
            let releaser = group.owner == "FILE*" ? "fclose" : group.owner == "DIR*" ? "closedir" : "its owner"
            return "\(releaser) will close the same number again later, when it may belong to someone else"
        default:
            return "nothing open had this number"
        }
    }

    /// The labelled stacks of a misuse group: the offending close first.
    static func sites(_ group: MisuseGroup) -> [(label: String, site: MisuseGroup.Site)] {
        var sites = [("closed here", group.close)]
        if let earlier = group.earlierClose { sites.append(("already closed here", earlier)) }
        if let open = group.open { sites.append(("opened here", open)) }
        return sites
    }
}

extension TextFormatter {
    /// The "leaked into another program" and "misuse" sections.
    static func processTreeSections(_ report: Report) -> [String] {
        var lines = [String]()
        if !report.execLeaks.isEmpty {
            lines += ["Leaked into other programs across exec (\(ProcessTreeWording.execAdvice)):", ""]
            for group in report.execLeaks {
                lines.append("\(group.id)  \(ProcessTreeWording.headline(group))")
                if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("    confidence " + assessment) }
                for sample in group.samples { lines.append("    sample: \(sample)") }
                lines += StackFolding.lines(group.stack, marked: group.culprit, fold: report.foldInterpreterFrames)
                lines.append("")
            }
        }
        if !report.misuse.isEmpty {
            lines += ["Misuse:", ""]
            for group in report.misuse {
                lines.append("\(group.id)  \(ProcessTreeWording.headline(group))")
                lines.append("    \(ProcessTreeWording.advice(group))")
                if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("    confidence " + assessment) }
                for (label, site) in ProcessTreeWording.sites(group) {
                    lines.append("    \(label):")
                    lines += StackFolding.lines(site.stack, marked: site.culprit, fold: report.foldInterpreterFrames,
                                                marker: "    → ", indent: "      ")
                }
                lines.append("")
            }
        }
        return lines
    }
}

extension MarkdownFormatter {
    static func processTreeSections(_ report: Report) -> [String] {
        var lines = [String]()
        for group in report.execLeaks {
            lines += ["### \(group.id): \(escape(ProcessTreeWording.headline(group)))", "",
                      "- Fix: \(ProcessTreeWording.execAdvice)"]
            if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("- Confidence: " + escape(assessment)) }
            lines += group.samples.map { "- Sample: \(code($0))" }
            lines.append("")
            let stack = StackFolding.lines(group.stack, marked: nil, fold: report.foldInterpreterFrames,
                                           keeping: [group.culprit], indent: "")
            lines += stackBlock(stack, frames: group.stack.count)
        }
        for group in report.misuse {
            lines += ["### \(group.id): \(escape(ProcessTreeWording.headline(group)))", "",
                      "- Why it matters: \(ProcessTreeWording.advice(group))"]
            if let assessment = FindingAssessmentWording.line(confidence: group.confidence, reason: group.reason) { lines.append("- Confidence: " + escape(assessment)) }
            lines.append("")
            for (label, site) in ProcessTreeWording.sites(group) {
                let stack = StackFolding.lines(site.stack, marked: nil, fold: report.foldInterpreterFrames,
                                               keeping: [site.culprit], indent: "")
                lines += stackBlock(stack, frames: site.stack.count, summary: label)
            }
        }
        return lines
    }
}
