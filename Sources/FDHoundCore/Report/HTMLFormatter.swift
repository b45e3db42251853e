// The HTML report (`--format html`): one self-contained page with what the Markdown report says — summary,
// the table of findings, processes, every finding with its stack in <details> — plus a chart per process of
// open descriptors over time (HTMLChart). No script, no external fetch: styles are inline and the
// Content-Security-Policy forbids loading anything. Every string from the trace goes through MarkupEscapes.

enum HTMLFormatter {
    /// What the page may load: nothing but its own inline styles (and data: images, none today).
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

    static func render(_ report: Report) -> String {
        var html = ["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"\(contentSecurityPolicy)\">",
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                    "<title>fdhound report</title>", "<style>", style, "</style>", "</head>", "<body>",
                    "<h1>fdhound report</h1>",
                    "<p class=\"summary\">\(e(capitalized(ReportWording.leakTotals(report)))), \(e(ReportWording.processes(report))).</p>"]
        html += findingsTable(report)
        html += chartSection(report)
        html += processTable(report)
        let nearLimit = report.processes.flatMap { process in
            EvidenceWording.processLines(process, failures: report.exhaustion.isEmpty).map { "pid \(process.pid): " + $0 }
        }
        html += list("Near the limit", nearLimit.map(e))
        html += list(EvidenceWording.exhaustionHeading, report.exhaustion.map { entry in
            e("\(entry.id): " + EvidenceWording.exhaustionLine(entry))
                + bullets(EvidenceWording.exhaustionHolders(entry, leaks: report.leaks).map { "held then: " + e($0) }).joined()
        })
        html += list("Time left, by rising code path", report.timeLeft.map { path in
            "\(path.open) × \(e(path.kind)) opened by \(c(path.api)) in "
                + c(ReportWording.codePath(path.culprit, calledFrom: path.calledFrom)) + " (pid \(path.pid)): "
                + e(TimeLeftWording.sentence(path.timeLeft, what: path.kind))
                + (path.dbusTimeLeft.map { "; " + e(TimeLeftWording.sentence($0, what: "connection")) } ?? "")
        })
        html += list("D-Bus connections", report.processes.compactMap { process in
            process.dbus.map { "pid \(process.pid): " + e(ReportWording.dbusSummary($0)) }
        })
        html += leakSections(report)
        html += otherSections(report)
        if report.showInherited {
            html += list("Not leaks: inherited or stdio", report.inherited.map { c(ReportWording.inheritedLine($0)) })
            html += list("Not leaks: passed on purpose across exec",
                         report.execPassed.map { e("\($0.id): " + ProcessTreeWording.passedLine($0)) })
        }
        html += list("Environment", EnvironmentWording.facts(report).map { e($0.label) + ": " + c($0.value) })
        html += list(SuppressionWording.heading, report.suppressions.map { e(SuppressionWording.line($0)) })
        html += list("Warnings", report.warnings.map(e))
        html += ["</body>", "</html>"]
        return html.joined(separator: "\n") + "\n"
    }

    // MARK: Sections

    private static func findingsTable(_ report: Report) -> [String] {
        guard !report.leaks.isEmpty else { return [] }
        var html = ["<table class=\"findings\">", "<thead><tr><th>rank</th><th>count</th><th>kind</th><th>pattern</th><th>confidence</th><th>culprit</th><th>location</th></tr></thead>", "<tbody>"]
        for leak in report.leaks {
            html.append("<tr><td><a href=\"#\(e(leak.id))\">\(e(leak.id))</a></td><td class=\"n\">\(leak.count)</td><td>\(e(leak.kind))</td>"
                + "<td>\(e(leak.pattern?.rawValue ?? ""))</td><td>\(e(leak.confidence?.rawValue ?? ""))</td>"
                + "<td>\(c(ReportWording.name(of: leak.culprit)))</td><td>\(leak.culprit.shortLocation.map(c) ?? "")</td></tr>")
        }
        return html + ["</tbody>", "</table>"]
    }

    private static func chartSection(_ report: Report) -> [String] {
        guard !report.openOverTime.isEmpty else { return [] }
        var html = ["<section class=\"charts\">", "<h2>Open descriptors over time</h2>"]
        for series in report.openOverTime {
            let command = report.processes.first { $0.pid == series.pid && $0.state != "execed" }
                .map(ReportWording.command) ?? ""
            html += HTMLChart.figure(series, command: command)
        }
        return html + ["</section>"]
    }

    private static func processTable(_ report: Report) -> [String] {
        var html = ["<table class=\"processes\">",
                    "<thead><tr><th>pid</th><th>command</th><th>state</th><th>leaked</th><th>code paths</th><th>open at end</th><th>RLIMIT_NOFILE</th></tr></thead>",
                    "<tbody>"]
        for process in report.processes {
            html.append("<tr><td class=\"n\">\(process.pid)</td><td>\(c(ReportWording.command(process)))</td>"
                + "<td>\(e(EvidenceWording.state(process)))</td><td class=\"n\">\(process.leaked)</td>"
                + "<td>\(e(ReportWording.leakShare(of: process, in: report)))</td><td class=\"n\">\(process.openAtEnd)</td>"
                + "<td>\(process.rlimitSoft.map(String.init) ?? "unlimited")</td></tr>")
        }
        return html + ["</tbody>", "</table>"]
    }

    private static func leakSections(_ report: Report) -> [String] {
        var html = [String]()
        var phase: String?? = nil // the previous finding's phase: a heading starts each phase
        let (full, once) = ReportWording.splitOnce(report)
        for leak in full {
            if let name = leak.phase, phase != .some(name) { html.append("<h2 class=\"phase\">Phase \(c(name))</h2>") }
            phase = leak.phase
            html.append("<section class=\"finding\" id=\"\(e(leak.id))\">")
            html.append("<h3>\(e(leak.id)): \(leak.count) × \(e(leak.kind)) opened by \(c(leak.api)) in \(c(ReportWording.name(of: leak.culprit)))</h3>")
            var facts = [String]()
            if let assessment = LeakAssessmentWording.line(leak) { facts.append("Pattern: " + e(assessment)) }
            if let location = leak.culprit.fullLocation { facts.append("Location: " + c(location)) }
            if let caller = leak.calledFrom {
                facts.append("Called from: " + c(ReportWording.name(of: caller)) + (caller.fullLocation.map { " at " + c($0) } ?? ""))
            }
            if let totals = ReportWording.siteTotals(leak) { facts.append("Call site: " + e(totals)) }
            if let sampling = ReportWording.stackSampling(leak) { facts.append(e(sampling)) }
            if let closeWait = ReportWording.closeWait(leak) { facts.append("<strong>\(e(closeWait))</strong>") }
            facts.append("First seen \(ReportWording.seconds(leak.firstSeenSeconds)), last \(ReportWording.seconds(leak.lastSeenSeconds)) after start")
            facts.append("Process\(leak.pids.count == 1 ? "" : "es"): " + leak.pids.map(String.init).joined(separator: ", "))
            facts += leak.samples.map { "Sample: " + c($0) }
            html += bullets(facts)
            html += stack(leak.stack, keeping: [leak.culprit] + [leak.calledFrom].compactMap { $0 }, fold: report.foldInterpreterFrames)
            html.append("</section>")
        }
        // Held once from start-up: one line each, after the rest (as in the Markdown report; --all shows them in full).
        html += list(LeakAssessmentWording.onceHeading(once.count), once.map { leak in
            "<span id=\"\(e(leak.id))\">\(e(leak.id))</span>: \(leak.count) × \(e(leak.kind)) opened by \(c(leak.api)) in "
                + c(ReportWording.codePath(leak.culprit, calledFrom: leak.calledFrom))
                + " (\(e(ReportWording.pidList(leak.pids))))" + (LeakAssessmentWording.line(leak).map { ": " + e($0) } ?? "")
                + (leak.samples.first.map { "; sample " + c($0) } ?? "")
        })
        return html
    }

    private static func otherSections(_ report: Report) -> [String] {
        var html = [String]()
        for group in report.execLeaks {
            html += ["<section class=\"finding\" id=\"\(e(group.id))\">", "<h3>\(e(group.id)): \(e(ProcessTreeWording.headline(group)))</h3>"]
            html += bullets([group.passedBecause.map { "Passed on purpose: " + e($0) } ?? "Fix: " + e(ProcessTreeWording.execAdvice)]
                + confidence(group.confidence, group.reason) + group.samples.map { "Sample: " + c($0) })
            html += stack(group.stack, keeping: [group.culprit], fold: report.foldInterpreterFrames)
            html.append("</section>")
        }
        for group in report.misuse {
            html += ["<section class=\"finding\" id=\"\(e(group.id))\">", "<h3>\(e(group.id)): \(e(ProcessTreeWording.headline(group)))</h3>"]
            html += bullets(["Why it matters: " + e(ProcessTreeWording.advice(group))] + confidence(group.confidence, group.reason))
            for (label, site) in ProcessTreeWording.sites(group) {
                html += stack(site.stack, keeping: [site.culprit], fold: report.foldInterpreterFrames, summary: label)
            }
            html.append("</section>")
        }
        var phase: String?? = nil
        for group in report.reclaimed {
            if let name = group.phase, phase != .some(name) { html.append("<h2 class=\"phase\">Phase \(c(name))</h2>") }
            phase = group.phase
            html += ["<section class=\"finding\" id=\"\(e(group.id))\">", "<h3>\(e(group.id)): \(e(ReclaimWording.headline(group)))</h3>"]
            var facts = ["Fix: " + e(ReclaimWording.reclaimedAdvice)] + confidence(group.confidence, group.reason)
            if let location = group.culprit.fullLocation { facts.append("Opened at: " + c(location)) }
            if let released = ReclaimWording.released(group) { facts.append(e(released)) }
            facts.append("Process\(group.pids.count == 1 ? "" : "es"): " + group.pids.map(String.init).joined(separator: ", "))
            html += bullets(facts + group.samples.map { "Sample: " + c($0) })
            html += stack(group.stack, keeping: [group.culprit], fold: report.foldInterpreterFrames)
            html.append("</section>")
        }
        if !report.outlivedPhase.isEmpty { html.append("<h2>\(e(PhaseOutlivedWording.title))</h2>") }
        phase = nil
        for group in report.outlivedPhase {
            if phase != .some(group.phase) { html.append("<h2 class=\"phase\">Phase \(c(group.phase))</h2>") }
            phase = group.phase
            html += ["<section class=\"finding\" id=\"\(e(group.id))\">", "<h3>\(e(group.id)): \(e(PhaseOutlivedWording.headline(group)))</h3>"]
            var facts = ["Fix: " + e(PhaseOutlivedWording.advice), e(PhaseOutlivedWording.times(group))] + confidence(group.confidence, group.reason)
            if let location = group.culprit.fullLocation { facts.append("Opened at: " + c(location)) }
            facts.append("Process\(group.pids.count == 1 ? "" : "es"): " + group.pids.map(String.init).joined(separator: ", "))
            html += bullets(facts + group.samples.map { "Sample: " + c($0) })
            html += stack(group.stack, keeping: [group.culprit], fold: report.foldInterpreterFrames)
            html.append("</section>")
        }
        for group in report.growth {
            html += ["<section class=\"finding\" id=\"\(e(group.id))\">", "<h3>\(e(group.id)): \(e(ReclaimWording.headline(group)))</h3>"]
            var facts = [e(ReclaimWording.evidence(group))] + confidence(group.confidence, group.reason)
            if let location = group.culprit.fullLocation { facts.append("Opened at: " + c(location)) }
            facts.append("Process\(group.pids.count == 1 ? "" : "es"): " + group.pids.map(String.init).joined(separator: ", "))
            html += bullets(facts)
            html += stack(group.stack, keeping: [group.culprit], fold: report.foldInterpreterFrames)
            html.append("</section>")
        }
        return html
    }

    // MARK: Pieces

    /// A stack, folded like the Markdown report's, in a collapsed <details>.
    private static func stack(_ frames: [Frame], keeping kept: [Frame], fold: Bool, summary: String = "stack") -> [String] {
        let lines = StackFolding.lines(frames, marked: nil, fold: fold, keeping: kept, indent: "")
        return ["<details><summary>\(e(summary)) (\(ReportWording.plural(frames.count, "frame")))</summary>",
                "<pre>" + lines.map(e).joined(separator: "\n") + "</pre>", "</details>"]
    }

    /// A finding's "Confidence: …" item, escaped; none without an assessment.
    private static func confidence(_ confidence: Confidence?, _ reason: String?) -> [String] {
        FindingAssessmentWording.line(confidence: confidence, reason: reason).map { ["Confidence: " + e($0)] } ?? []
    }

    /// Items already escaped, as a list.
    private static func bullets(_ items: [String]) -> [String] {
        items.isEmpty ? [] : ["<ul>"] + items.map { "<li>\($0)</li>" } + ["</ul>"]
    }

    /// A titled list of items already escaped; nothing when there are none.
    private static func list(_ title: String, _ items: [String]) -> [String] {
        items.isEmpty ? [] : ["<h2>\(e(title))</h2>"] + bullets(items)
    }

    private static func e(_ text: String) -> String { MarkupEscapes.escape(text) }
    private static func c(_ text: String) -> String { "<code>" + MarkupEscapes.escape(text) + "</code>" }

    private static func capitalized(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }

    private static let style = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
        td.n { text-align: right; }
        code, pre { font-family: ui-monospace, monospace; font-size: 90%; }
        pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
        section.finding { border-top: 1px solid #ddd; margin-top: 1.2em; }
        figure.chart { margin: 1em 0; }
        ul.legend { list-style: none; padding: 0; }
        .swatch { display: inline-block; width: 1em; height: 0.6em; margin-right: 0.4em; }
        """
}
