// Label values come from the traced program (executable names, function and file names from debug info)
// and can hold any byte. swift-prometheus escapes only what the exposition format requires (backslash,
// double quote, line feed); a carriage return, NUL or other control byte would still reach the scrape raw,
// and a byte that is not UTF-8 makes Prometheus reject the whole scrape ("invalid UTF-8 label value").
// So every value first goes through VisibleEscapes (controls, bidi/format characters, non-UTF-8 bytes
// become visible `\xNN`/`\u{NNNN}` escapes: plain UTF-8 remains), and is cut to a bounded length.

/// Makes label values safe before they reach the exposition.
public enum MetricLabel {
    /// Longest label value kept, in characters (a C++ or Swift symbol can be kilobytes long).
    public static let maxLength = 200

    /// `raw` with every invisible or controlling character escaped, at most `maxLength` characters ("…" last
    /// when cut).
    public static func value(_ raw: String) -> String {
        let escaped = VisibleEscapes.escape(raw)
        guard escaped.count > maxLength else { return escaped }
        return String(escaped.prefix(maxLength - 1)) + "…"
    }
}
