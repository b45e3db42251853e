// The terminal screen of `fdhound live` (a top-like view): drawn from a LiveView into at most `height` lines
// of at most `width` columns, so a refresh overwrites the previous one in place. Every line is escaped
// (VisibleEscapes) before it reaches the terminal: names from the traced program cannot control it.
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
        return lines.map { truncate(visible($0), width) } // escaped whole: wording may quote names too
    }

    /// Text from the traced program, escaped the one way every text output is (VisibleEscapes): it cannot
    /// move the cursor, recolour the terminal or start a line of its own.
    public static func visible(_ text: String) -> String { VisibleEscapes.escape(text) }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }

    private static func truncate(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(1, width - 1))) + "…"
    }
}
