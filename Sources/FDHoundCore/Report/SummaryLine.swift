// The one line `fdhound run` prints on stderr when the traced command ends.

/// "fdhound: 1100 descriptors left open in 2 code paths (1 process); fdhound report DIR".
public func summaryLine(_ report: Report) -> String {
    "fdhound: \(ReportWording.leakTotals(report)) (\(ReportWording.processes(report))); "
        + "fdhound report \(shellQuoted(report.tracePath))"
}

/// The path as a shell word, so the suggested command can be pasted even when it contains spaces.
func shellQuoted(_ text: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:,=@%")
    if !text.isEmpty && text.allSatisfy(safe.contains) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
