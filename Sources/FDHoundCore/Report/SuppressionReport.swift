// What each suppression entry did to a report (the report's `suppressions` section), and the step that
// applies the entries: matched findings leave their sections; their fingerprints stay listed here, so a
// JSON consumer still sees what was suppressed, and an entry that matched nothing is warned about.

/// One suppression entry and what it matched in this report.
public struct SuppressionUse: Codable, Equatable, Sendable {
    public var name: String
    /// Where the entry is written: file and line of its `{`.
    public var file: String
    public var line: Int
    /// Findings it suppressed, and their descriptors (or occurrences, for misuse).
    public var findings: Int
    public var descriptors: Int
    /// The suppressed findings' fingerprints, in report order.
    public var fingerprints: [String]
}

enum SuppressionStep {
    /// Takes the findings the entries match out of the report (the first matching entry counts each) and
    /// records every entry's use; unused entries add a warning.
    static func apply(_ entries: [SuppressionEntry], to report: inout Report) {
        guard !entries.isEmpty else { return }
        var uses = entries.map { SuppressionUse(name: $0.name, file: $0.file, line: $0.line, findings: 0, descriptors: 0, fingerprints: []) }
        func kept(section: String, fingerprint: String, stack: [Frame], count: Int) -> Bool {
            guard let index = entries.firstIndex(where: { $0.matches(section: section, fingerprint: fingerprint, stack: stack) }) else {
                return true
            }
            uses[index].findings += 1
            uses[index].descriptors += count
            uses[index].fingerprints.append(fingerprint)
            return false
        }
        report.leaks = report.leaks.filter { kept(section: "leak", fingerprint: $0.fingerprint, stack: $0.stack, count: $0.count) }
        report.execLeaks = report.execLeaks.filter { kept(section: "exec-leak", fingerprint: $0.fingerprint, stack: $0.stack, count: $0.count) }
        report.misuse = report.misuse.filter { kept(section: "misuse", fingerprint: $0.fingerprint, stack: $0.close.stack, count: $0.count) }
        report.reclaimed = report.reclaimed.filter { kept(section: "reclaimed", fingerprint: $0.fingerprint, stack: $0.stack, count: $0.count) }
        report.growth = report.growth.filter { kept(section: "growth", fingerprint: $0.fingerprint, stack: $0.stack, count: $0.count) }
        report.outlivedPhase = report.outlivedPhase.filter { kept(section: "outlived-phase", fingerprint: $0.fingerprint, stack: $0.stack, count: $0.count) }
        report.suppressions = uses
        for use in uses where use.findings == 0 {
            report.warnings.append(SuppressionWording.unused(use))
        }
    }
}
