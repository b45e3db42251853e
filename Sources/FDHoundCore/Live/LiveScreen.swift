// The terminal screen of `fdhound live` (a top-like view): drawn from a LiveView into at most `height` lines
// of at most `width` columns, so a refresh overwrites the previous one in place. Names from the traced
// program go through `LiveScreen.visible` so they cannot move the cursor or recolour the terminal.
import Foundation

public enum LiveScreen {
    /// The lines of one refresh (no escape sequences: the caller positions the cursor).
    public static func lines(_ view: LiveView, width: Int, height: Int, interval: Double) -> [String] {
        var lines = [String]()
        lines.append("fdhound live — pid \(view.pid)  \(visible(view.command))")
        var count = "open \(view.open)"
        if let soft = view.softLimit {
            count += " of \(soft) (RLIMIT_NOFILE, " + String(format: "%.0f", Double(view.open) / Double(max(soft, 1)) * 100) + " %)"
        } else {
            count += " (no limit)"
        }
        if let rate = view.perSecond { count += "   " + String(format: "%+.1f", rate) + " descriptors/s" }
        lines.append(count)
        if let soft = view.softLimit, soft > 0 {
            let barWidth = max(10, min(60, width - 12))
            let filled = min(barWidth, Int(Double(view.open) / Double(soft) * Double(barWidth)))
            lines.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]")
        }
        lines.append("kinds: " + view.byKind.prefix(8).map { "\($0.count) \(visible($0.kind))" }.joined(separator: ", "))
        if let forecast = view.timeLeft, forecast.verdict != "too-little-data" {
            lines.append("time left: " + TimeLeftWording.sentence(forecast))
        }
        if let evidence = view.evidence {
            for moment in evidence.moments { lines.append(visible(EvidenceWording.momentLine(moment, in: evidence))) }
        }
        lines.append("")
        if !view.traced {
            lines.append("Not traced: `fdhound attach \(view.pid)` to see the code paths holding them.")
        } else {
            lines.append("  COUNT   GAINED   RATE/s  KIND          CODE PATH (sorted by \(view.sortedBy.rawValue))")
            let room = max(1, height - lines.count - 2)
            for path in view.codePaths.prefix(room) {
                let gained = path.gained.map { String(format: "%+d", $0) } ?? "-"
                let rate = path.perSecond.map { String(format: "%.2f", $0) } ?? "-"
                let where_ = visible(ReportWording.codePath(path.culprit, calledFrom: path.calledFrom))
                lines.append(pad(String(path.count), 7, right: true) + "  " + pad(gained, 7, right: true) + "  "
                    + pad(rate, 7, right: true) + "  " + pad(path.kind, 12) + "  \(path.api) in \(where_)")
            }
            if view.codePaths.isEmpty { lines.append("  (no descriptors held by traced code paths)") }
        }
        lines.append("")
        lines.append("keys: c sort by count  g sort by growth  q quit   (refresh every \(String(format: "%g", interval)) s)")
        return lines.map { truncate($0, width) }
    }

    /// Text from the traced program, with control characters shown as escapes (\x1B, \n…) so they cannot
    /// act on the terminal.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                switch scalar {
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                default: result += scalar.value < 0x100 ? String(format: "\\x%02X", scalar.value)
                    : "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x20 && scalar.value < 0x7F { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate: return true
        default: return false
        }
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }

    private static func truncate(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(1, width - 1))) + "…"
    }
}
