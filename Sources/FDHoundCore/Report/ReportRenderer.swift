// Renders a report in the format asked for; each format has its own formatter.

/// Turns a `Report` into text, JSON, markdown, SARIF, HTML or JUnit XML.
public enum ReportRenderer {
    /// The rendered report, always ending with a newline (it is printed as is, and pasted).
    /// `options` style the text format (TerminalStyle) and root SARIF's paths; other formats ignore them.
    public static func render(_ report: Report, as format: ReportFormat, options: RenderOptions = RenderOptions()) -> String {
        let text: String
        switch format {
        case .text: text = options.terminal.apply(to: TextFormatter.render(report))
        case .json: text = JSONFormatter.render(report)
        case .markdown: text = MarkdownFormatter.render(report)
        case .sarif: text = SARIFFormatter.render(report, root: options.sarifRoot)
        case .html: text = HTMLFormatter.render(report)
        case .junit: text = JUnitFormatter.render(report)
        }
        return text.hasSuffix("\n") ? text : text + "\n"
    }
}

/// How a format is rendered, beyond the report's content.
public struct RenderOptions: Sendable {
    /// The text report's colour and width (the CLI sets it from the terminal).
    public var terminal: TerminalStyle = .plain
    /// SARIF: the checkout's root. Files under it become URIs relative to it (`uriBaseId` SRCROOT, declared
    /// in `originalUriBaseIds`), as GitHub code scanning matches them to the repository's files.
    public var sarifRoot: String?

    public init(terminal: TerminalStyle = .plain, sarifRoot: String? = nil) {
        self.terminal = terminal
        self.sarifRoot = sarifRoot
    }
}
