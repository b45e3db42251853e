// Escaping for the HTML and JUnit XML reports: text from the traced program is first made visible
// (VisibleEscapes, the one escaper: no control or bidi character reaches the page), then every character
// HTML and XML give a meaning to is written as an entity, so a name can never open a tag, end an attribute
// or start a comment; the noncharacters U+FFFE/U+FFFF, which XML 1.0 forbids outright, become `\u{FFFE}`.

enum MarkupEscapes {
    /// `text` for an element's content or a double- or single-quoted attribute value.
    static func escape(_ text: String) -> String {
        let visible = VisibleEscapes.escape(text)
        guard visible.unicodeScalars.contains(where: { "&<>\"'".unicodeScalars.contains($0) || $0.value == 0xFFFE || $0.value == 0xFFFF })
        else { return visible }
        var result = ""
        for scalar in visible.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\u{FFFE}", "\u{FFFF}": result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Lines escaped one by one and joined with newlines (a stack in a <pre> or a JUnit <failure>).
    static func lines(_ lines: [String]) -> String {
        lines.map(escape).joined(separator: "\n")
    }
}
