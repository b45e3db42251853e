// Phrases about suppressions (the report's lines and warnings), and the entries `--gen-suppressions`
// prints for a report's findings (docs/SUPPRESSIONS.md).

public enum SuppressionWording {
    /// "nginx-logs (supp.txt:3): 2 findings, 3 descriptors" / "… matched nothing".
    static func line(_ use: SuppressionUse) -> String {
        "\(use.name) (\(use.file):\(use.line)): "
            + (use.findings == 0 ? "matched nothing"
                : "\(ReportWording.plural(use.findings, "finding")), \(ReportWording.plural(use.descriptors, "descriptor"))")
    }

    static func unused(_ use: SuppressionUse) -> String {
        "suppression '\(use.name)' (\(use.file):\(use.line)) matched nothing: remove it if the finding is gone"
    }

    static let heading = "Suppressions"

    /// One entry per finding of the report: its section, its fingerprint (a comment when the culprit has a
    /// function name — uncomment it to suppress exactly this finding — else a criterion), `...` up to the
    /// culprit frame, then the culprit's frame.
    public static func generate(for report: Report) -> String {
        var blocks = [String]()
        func add(_ id: String, _ section: String, _ fingerprint: String, _ culprit: Frame) {
            let frame = culprit.function.map { "fun:\($0)" } ?? "obj:\(culprit.moduleName)"
            // Without a function name the frame cannot tell this code path from the module's others: the
            // fingerprint decides then (it holds across runs and builds; see Fingerprint).
            let fingerprintLine = (culprit.function == nil ? "   " : "   # ") + "fingerprint: \(fingerprint)"
            var lines = ["{", "   \(id)-\(culprit.function ?? culprit.moduleName)", "   section: \(section)",
                         fingerprintLine, "   ...", "   \(frame)"]
            if let file = culprit.file { lines.append("   # at \(file)" + (culprit.line.map { ":\($0)" } ?? "")) }
            lines.append("}")
            blocks.append(lines.map(VisibleEscapes.escape).joined(separator: "\n"))
        }
        for leak in report.leaks { add(leak.id, "leak", leak.fingerprint, leak.culprit) }
        for group in report.execLeaks { add(group.id, "exec-leak", group.fingerprint, group.culprit) }
        for group in report.misuse { add(group.id, "misuse", group.fingerprint, group.close.culprit) }
        for group in report.reclaimed { add(group.id, "reclaimed", group.fingerprint, group.culprit) }
        for group in report.growth { add(group.id, "growth", group.fingerprint, group.culprit) }
        for group in report.outlivedPhase { add(group.id, "outlived-phase", group.fingerprint, group.culprit) }
        return blocks.isEmpty ? "" : blocks.joined(separator: "\n") + "\n"
    }
}
