// Builds the report's `exhaustion` section from each process's evidence (section 11): one entry per
// EMFILE/ENFILE snapshot — when the process first ran out, how many were open, who held them — with the
// process's count of such failures. The per-process evidence stays in `processes[].evidence` as well.

enum ExhaustionSection {
    static func entries(from processes: [ProcessSummary]) -> [DescriptorExhaustion] {
        var entries = [DescriptorExhaustion]()
        for process in processes.sorted(by: { $0.pid < $1.pid }) {
            guard let evidence = process.evidence else { continue }
            for moment in evidence.moments.sorted(by: { $0.seconds < $1.seconds }) where moment.trigger != "threshold" {
                let emfile = moment.trigger == "emfile"
                entries.append(DescriptorExhaustion(
                    id: "", pid: process.pid, error: emfile ? "EMFILE" : "ENFILE", seconds: moment.seconds,
                    open: moment.open, limit: moment.limit,
                    failures: emfile ? evidence.emfileFailures : evidence.enfileFailures,
                    failingCall: moment.failingCall, failingCulprit: moment.failingCulprit,
                    failingStack: moment.failingStack ?? [], otherOpen: moment.otherOpen, codePaths: moment.codePaths))
            }
        }
        for index in entries.indices { entries[index].id = "E\(index + 1)" }
        return entries
    }
}
