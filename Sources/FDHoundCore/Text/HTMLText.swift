// HTML escaping for the HTML report: text from the traced program is first made visible (VisibleEscapes,
// the one escaper: no control or bidi character reaches the page), then every character HTML gives a
// meaning to is written as an entity, so a name can never open a tag, end an attribute or start a comment.

enum HTMLText {
    /// `text` for an element's content or a double- or single-quoted attribute value.
    static func escape(_ text: String) -> String {
        let visible = VisibleEscapes.escape(text)
        guard visible.contains(where: { "&<>\"'".contains($0) }) else { return visible }
        var result = ""
        for character in visible {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
