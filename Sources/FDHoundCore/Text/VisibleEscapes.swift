// The one escaper for everything fdhound prints as text (the text and markdown reports, `live`, `diff`,
// warnings and error messages). Names from the traced program — paths, socket names, argv, debug-info
// file names — can hold any byte; printed raw, ESC/CSI/OSC sequences recolour or retitle the terminal, CR
// and backspace overwrite a line, a newline forges report lines, bidi overrides reorder what is read.
//
// Convention (README "Escaped names"): every character that is not plainly visible is shown as an
// escape — `\n`, `\r`, `\t`; other C0 controls, DEL and bytes that are not UTF-8 as `\xNN` (bytes come
// from RawBytesText's markers); C1 controls, format characters (bidi overrides and isolates, zero-width
// characters, BOM) and line/paragraph separators as `\u{NNNN}`. Everything else, backslash included, is
// shown as is, so escaping is idempotent; the JSON report keeps the exact bytes.

/// Visible escapes for text that reaches a terminal or a document.
public enum VisibleEscapes {
    /// `text` with every invisible or terminal-controlling character escaped (see the file comment).
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            result += needsEscape(scalar) ? spelling(of: scalar) : String(scalar)
        }
        return result
    }

    /// Lines joined with newlines, each escaped: the only newlines in the result are the separators, so no
    /// name can start a line of its own (a forged report line, a markdown heading or table row).
    public static func joinedLines(_ lines: [String]) -> String {
        lines.map(escape).joined(separator: "\n")
    }

    /// True if `text` would reach the output with nothing escaped.
    public static func isPlain(_ text: String) -> Bool {
        !text.unicodeScalars.contains(where: needsEscape)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x20 && scalar.value < 0x7F { return false } // fast path: printable ASCII
        if RawBytesText.markedByte(scalar) != nil { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate: return true
        default: return false
        }
    }

    private static func spelling(of scalar: Unicode.Scalar) -> String {
        if let byte = RawBytesText.markedByte(scalar) { return "\\x" + RawBytesText.hex(byte) }
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: break
        }
        if scalar.value < 0x80 { return "\\x" + RawBytesText.hex(UInt8(scalar.value)) }
        return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }
}
