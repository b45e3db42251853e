// The output formats `fdhound report --format` offers.

/// Output formats, each rendered by its own formatter.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, markdown, sarif, html, junit
}
