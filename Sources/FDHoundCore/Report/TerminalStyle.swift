// The text report on a terminal: coloured and wrapped to its width. Applied to the text formatter's
// finished lines (which VisibleEscapes already made free of control characters, so the only escape
// sequences in the result are the ones added here), by the shape of each line: the report's headline,
// a finding's headline (`#1  …`, `X1  …`), the culprit's frame (`→ #2 …`), warnings (`⚠`), section and
// phase titles. The CLI decides when: colour only on a tty and never with NO_COLOR set; the width from
// COLUMNS or the terminal. A long line wraps at a space, continued under its own indentation.
import Foundation

public struct TerminalStyle: Sendable {
    /// SGR colour codes, or none.
    public var colour: Bool
    /// Columns to fit in; nil: lines are left as long as they are.
    public var width: Int?

    public init(colour: Bool, width: Int?) {
        self.colour = colour
        self.width = width.map { max(40, $0) } // narrower than 40 wraps every line into noise
    }

    /// Plain text, as long as it is: for pipes and files.
    public static let plain = TerminalStyle(colour: false, width: nil)

    private enum Role { case title, finding, culprit, warning, section, phase, none }

    /// `text` (the text report, lines joined with newlines) styled.
    public func apply(to text: String) -> String {
        guard colour || width != nil else { return text }
        var output = [String]()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(line)
            let role = index == 0 ? Role.title : Self.role(of: line)
            for piece in wrap(line) { output.append(paint(piece, role)) }
        }
        return output.joined(separator: "\n")
    }

    private static func role(of line: String) -> Role {
        let trimmed = line.drop { $0 == " " }
        if line.hasPrefix("── phase ") { return .phase }
        if trimmed.hasPrefix("⚠") { return .warning }
        if trimmed.hasPrefix("→ #") { return .culprit }
        if let first = line.first, first != " ", line.hasSuffix(":") { return .section }
        // "#12  …" or an id such as "X3  …", "M1  …": a finding's first line.
        let head = line.prefix { $0 != " " }
        if line.dropFirst(head.count).hasPrefix("  "), head.count >= 2,
           head.first.map({ $0 == "#" || $0.isUppercase }) ?? false, head.dropFirst().allSatisfy(\.isNumber) {
            return .finding
        }
        return .none
    }

    private func paint(_ text: String, _ role: Role) -> String {
        guard colour, !text.isEmpty else { return text }
        let code: String
        switch role {
        case .title, .section: code = "1"
        case .finding: code = "1;31"
        case .culprit: code = "1"
        case .warning: code = "33"
        case .phase: code = "36"
        case .none: return text
        }
        return "\u{1B}[\(code)m" + text + "\u{1B}[0m"
    }

    /// The line cut at spaces into pieces of at most `width` characters (a word longer than that is cut
    /// where it must); continuations are indented two more than the line.
    private func wrap(_ line: String) -> [String] {
        guard let width, line.count > width else { return [line] }
        let leading = line.prefix { $0 == " " }.count
        let indent = String(repeating: " ", count: min(leading + 2, width / 2))
        var pieces = [String]()
        var rest = Substring(line)
        var prefix = ""
        while prefix.count + rest.count > width {
            let room = width - prefix.count
            let skip = pieces.isEmpty ? leading : 0 // a space of the indentation is no place to cut
            var cut = room
            if let space = rest.prefix(room + 1).lastIndex(of: " ") {
                let at = rest.distance(from: rest.startIndex, to: space)
                if at > skip { cut = at }
            }
            pieces.append(prefix + String(rest.prefix(cut)).replacingOccurrences(of: " +$", with: "", options: .regularExpression))
            rest = rest.dropFirst(cut).drop { $0 == " " }
            prefix = indent
        }
        if !rest.isEmpty { pieces.append(prefix + rest) }
        return pieces
    }
}
