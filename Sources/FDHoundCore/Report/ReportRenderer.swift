// Renders a report in the format asked for; each format has its own formatter.

/// Turns a `Report` into text, JSON, markdown, SARIF, HTML or JUnit XML.
public enum ReportRenderer {
    /// The rendered report, always ending with a newline (it is printed as is, and pasted).
    public static func render(_ report: Report, as format: ReportFormat) -> String {
        let text: String
        switch format {
        case .text: text = TextFormatter.render(report)
        case .json: text = JSONFormatter.render(report)
        case .markdown: text = MarkdownFormatter.render(report)
        case .sarif: text = SARIFFormatter.render(report)
        case .html: text = HTMLFormatter.render(report)
        case .junit: text = JUnitFormatter.render(report)
        }
        return text.hasSuffix("\n") ? text : text + "\n"
    }
}
