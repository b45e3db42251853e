// The last shared step of every pass: rank the report groups most severe first and number them ("L1",
// "M2", …). Each pass says what "more severe" means for its findings; numbering is the same everywhere.

/// A report group with an id ("L1", "M2", …) assigned after ranking.
protocol RankedFinding {
    var id: String { get set }
}

enum FindingRanking {
    /// Sorts `findings` most severe first by `precedes` and numbers them `prefix`1, `prefix`2, ….
    static func rank<Finding: RankedFinding>(_ findings: [Finding], prefix: String,
                                             by precedes: (Finding, Finding) -> Bool) -> [Finding] {
        var ranked = findings.sorted(by: precedes)
        for index in ranked.indices { ranked[index].id = "\(prefix)\(index + 1)" }
        return ranked
    }
}

extension LeakGroup: RankedFinding {
    /// Leak groups by severity: growing before repeated before once (LeakPattern), then most descriptors,
    /// then the earliest, then by culprit (deterministic).
    static func precedes(_ a: LeakGroup, _ b: LeakGroup) -> Bool {
        let (severityA, severityB) = (a.pattern?.severity ?? 1, b.pattern?.severity ?? 1)
        if severityA != severityB { return severityA < severityB }
        if a.count != b.count { return a.count > b.count }
        if a.firstSeenSeconds != b.firstSeenSeconds { return a.firstSeenSeconds < b.firstSeenSeconds }
        return (a.culprit.function ?? a.culprit.address) < (b.culprit.function ?? b.culprit.address)
    }
}

extension GrowthGroup: RankedFinding {}
extension MisuseGroup: RankedFinding {}
extension ExecLeakGroup: RankedFinding {}
extension ReclaimedGroup: RankedFinding {}
