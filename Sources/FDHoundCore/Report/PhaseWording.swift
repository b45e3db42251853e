// Section headings for phases (fdhound_phase_begin; a test under the pytest plugin): findings are ordered
// phase by phase, and a heading goes before the first finding of each phase. Findings outside any phase
// come first, without a heading. The phase name is the program's string: Markdown escapes it.

enum PhaseWording {
    /// The heading to insert before a finding of `phase` when the previous finding was of `previous`.
    static func textHeading(_ phase: String?, after previous: String??) -> [String]? {
        guard let phase, previous != .some(phase) else { return nil }
        return ["── phase \(phase) ──", ""]
    }

    static func markdownHeading(_ phase: String?, after previous: String??) -> [String]? {
        guard let phase, previous != .some(phase) else { return nil }
        return ["### Phase \(MarkdownFormatter.code(phase))", ""]
    }
}
