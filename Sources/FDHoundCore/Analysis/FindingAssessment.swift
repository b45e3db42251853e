// A confidence and a one-sentence reason for every finding that is not a leak group (leaks have their own,
// richer assessment: LeakAssessment): descriptors leaked across exec, misuse, descriptors the interpreter
// reclaimed, growing code paths and descriptors that outlived their phase. The evidence each kind rests on
// differs, so does the confidence: what the shim saw happen (a second close failing with EBADF) is high;
// what may be a cache or pool held on purpose (a descriptor closed after its phase) is medium.

enum FindingAssessment {
    static func apply(to report: inout Report) {
        for index in report.execLeaks.indices {
            report.execLeaks[index].confidence = .high
            report.execLeaks[index].reason = FindingAssessmentWording.execLeak(report.execLeaks[index])
        }
        for index in report.misuse.indices {
            let group = report.misuse[index]
            report.misuse[index].confidence = group.kind == "close-not-open" ? .medium : .high
            report.misuse[index].reason = FindingAssessmentWording.misuse(group)
        }
        for index in report.reclaimed.indices {
            let group = report.reclaimed[index]
            report.reclaimed[index].confidence = group.how == .finalizer ? .medium : .high
            report.reclaimed[index].reason = FindingAssessmentWording.reclaimed(group)
        }
        for index in report.growth.indices {
            let group = report.growth[index]
            report.growth[index].confidence = risesEveryQuarter(group.lowWaterMarks) ? .high : .medium
            report.growth[index].reason = FindingAssessmentWording.growth(group)
        }
        for index in report.outlivedPhase.indices {
            report.outlivedPhase[index].confidence = .medium
            report.outlivedPhase[index].reason = FindingAssessmentWording.outlived(report.outlivedPhase[index])
        }
    }

    /// The growth criterion at its strongest: the live count's floor rose in every quarter.
    static func risesEveryQuarter(_ marks: [Int]) -> Bool {
        marks.count >= 2 && zip(marks, marks.dropFirst()).allSatisfy { $0 < $1 }
    }
}
