// The one line `fdhound run` prints on stderr when the traced command ends.

/// "fdhound: 1100 descriptors left open in 2 code paths (1 process); fdhound report DIR".
public func summaryLine(_ report: Report) -> String {
    var extras = [String]()
    let crossed = report.execLeaks.reduce(0) { $0 + $1.count }
    if crossed > 0 { extras.append("\(ReportWording.plural(crossed, "descriptor")) leaked across exec") }
    let misuse = report.misuse.reduce(0) { $0 + $1.count }
    if misuse > 0 { extras.append("\(ReportWording.plural(misuse, "misuse", "misuses"))") }
    extras += ReclaimWording.summaryExtras(report)
    extras += PhaseOutlivedWording.summaryExtras(report)
    return "fdhound: \(ReportWording.leakTotals(report)) (\(ReportWording.processes(report)))"
        + extras.map { ", " + $0 }.joined() + "; fdhound report \(shellQuoted(report.tracePath))"
}

/// The path as a shell word, so the suggested command can be pasted even when it contains spaces.
func shellQuoted(_ text: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:,=@%")
    if !text.isEmpty && text.allSatisfy(safe.contains) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
