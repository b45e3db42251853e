// GitHub Actions workflow commands for `fdhound check` (`--annotations github`, or by itself when
// GITHUB_ACTIONS=true): one `::error file=…,line=…,title=…::message` per new finding, so the run's summary
// and the pull request's diff show the leak on the culprit's line. Escaping follows GitHub's runner
// (ActionCommand's escape rules): in the message `%`, CR and LF become %25, %0D, %0A; in a property value
// also `:` and `,` become %3A and %2C. Names from the trace are made visible first (VisibleEscapes), so
// the only CR/LF left are the message's own line breaks, and those are escaped too.

public enum GitHubAnnotations {
    /// One workflow command per finding; `workspace` (GITHUB_WORKSPACE) makes file paths under it relative,
    /// as GitHub matches them to the repository.
    public static func lines(for findings: [CheckFindings.Finding], in report: Report, workspace: String?) -> [String] {
        findings.map { finding in
            let described = describe(finding.signature.fingerprint, in: report)
            var properties = [String]()
            if let file = finding.signature.file {
                properties.append("file=" + property(relative(file, to: workspace)))
                if let line = finding.signature.line, line > 0 { properties.append("line=\(line)") }
            }
            let title = "fdhound: " + (described?.title ?? finding.signature.section)
            properties.append("title=" + property(title))
            let message = described.map { [$0.headline] + $0.details }
                ?? ["\(finding.count) × \(finding.signature)"]
            return "::error " + properties.joined(separator: ",") + "::"
                + data(message.map(VisibleEscapes.escape).joined(separator: "\n"))
        }
    }

    /// GitHub's escaping of a command's message.
    static func data(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// GitHub's escaping of a property value (file, title).
    static func property(_ text: String) -> String {
        data(VisibleEscapes.escape(text))
            .replacingOccurrences(of: ":", with: "%3A")
            .replacingOccurrences(of: ",", with: "%2C")
    }

    private static func relative(_ file: String, to workspace: String?) -> String {
        guard let workspace, !workspace.isEmpty else { return file }
        let root = workspace.hasSuffix("/") ? workspace : workspace + "/"
        return file.hasPrefix(root) ? String(file.dropFirst(root.count)) : file
    }

    /// The finding's title, headline and stack, found in the report by its fingerprint.
    private static func describe(_ fingerprint: String, in report: Report)
        -> (title: String, headline: String, details: [String])? {
        func stack(_ frames: [Frame], _ culprit: Frame) -> [String] {
            StackFolding.lines(frames, marked: culprit, fold: report.foldInterpreterFrames)
        }
        if let leak = report.leaks.first(where: { $0.fingerprint == fingerprint }) {
            return ("descriptor leak (\(leak.id))", "\(leak.count) × \(leak.kind) left open, " + ReportWording.headline(leak),
                    leak.samples.map { "sample: " + $0 } + stack(leak.stack, leak.culprit))
        }
        if let group = report.execLeaks.first(where: { $0.fingerprint == fingerprint }) {
            return ("descriptor leaked across exec (\(group.id))", ProcessTreeWording.headline(group),
                    [ProcessTreeWording.execAdvice] + stack(group.stack, group.culprit))
        }
        if let group = report.reclaimed.first(where: { $0.fingerprint == fingerprint }) {
            return ("descriptor closed by Python, not the program (\(group.id))", ReclaimWording.headline(group),
                    stack(group.stack, group.culprit))
        }
        if let group = report.misuse.first(where: { $0.fingerprint == fingerprint }) {
            return ("\(group.kind) (\(group.id))", ProcessTreeWording.headline(group),
                    [ProcessTreeWording.advice(group)] + stack(group.close.stack, group.close.culprit))
        }
        return nil
    }
}
