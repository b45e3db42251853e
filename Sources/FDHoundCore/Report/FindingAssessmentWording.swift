// The one-sentence reasons behind the confidence of findings other than leaks (FindingAssessment decides;
// this words it). Phrases only: formatters lay the sentence out, JSON carries it as `reason`.

enum FindingAssessmentWording {
    static func execLeak(_ group: ExecLeakGroup) -> String {
        "held without close-on-exec when \(group.intoProgram) was started, and nothing passed "
            + (group.count == 1 ? "it" : "them") + " on purpose (no dup2, cleared close-on-exec or spawn action): "
            + "the new program inherits descriptors it does not know about"
    }

    static func misuse(_ group: MisuseGroup) -> String {
        switch group.kind {
        case "double-close":
            return "the first close succeeded and the second failed with EBADF: in between, another thread may have "
                + "been given this number, and the second close would then have closed its descriptor"
        case "owner-violation":
            return "a raw close() of a descriptor its \(group.owner ?? "owner") still owns: the owner closes the number "
                + "again later, when it may belong to someone else"
        default:
            return "a close of a number nothing had open (EBADF): harmless alone, but the same mistake closes another "
                + "descriptor whenever the number is in use"
        }
    }

    static func reclaimed(_ group: ReclaimedGroup) -> String {
        switch group.how {
        case .finalizer:
            return "released when the last reference went away, not by the code: prompt on CPython, but late on PyPy "
                + "and whenever a reference cycle or a traceback keeps the object"
        case .garbageCollector:
            return "released only when the garbage collector ran: until then each stayed open and counted toward the limit"
        case .interpreterShutdown:
            return "still open when the interpreter shut down: only the end of the program released "
                + (group.count == 1 ? "it" : "them")
        }
    }

    static func growth(_ group: GrowthGroup) -> String {
        let marks = group.lowWaterMarks.map(String.init).joined(separator: ", ")
        if FindingAssessment.risesEveryQuarter(group.lowWaterMarks) {
            return "the lowest live count rose in every quarter of the run (\(marks)): descriptors accumulate while "
                + "it runs, even if shutdown releases them"
        }
        return "the live count rose over the run (lowest per quarter: \(marks)) but not in every quarter: "
            + "a pool still filling up looks the same"
    }

    static func outlived(_ group: PhaseOutlivedGroup) -> String {
        "opened during \(group.phase) and still open when it ended, closed only later: "
            + "a cache or pool may hold it on purpose; otherwise the phase leaked it until then"
    }

    /// "Confidence: high: reason" for formatters, nil for a finding without an assessment.
    static func line(confidence: Confidence?, reason: String?) -> String? {
        guard let confidence, let reason else { return nil }
        return "\(confidence.rawValue): \(reason)"
    }
}
