// Words for the evidence near the limit and the time left, shared by the text and markdown formatters and
// `fdhound run`'s stderr line: "at 80 % of RLIMIT_NOFILE (819 of 1024) at 12.3 s: 640 × socket at
// server.py:41, …" and "first EMFILE at 15.0 s in accept, 3 failures in all".
import Foundation

enum EvidenceWording {
    /// Code paths named per moment in one line.
    static let pathsPerLine = 5

    /// One line for a snapshot, with its biggest code paths.
    static func momentLine(_ moment: EvidenceMoment, in evidence: ProcessEvidence) -> String {
        var text: String
        let limit = moment.limit.map(String.init) ?? "unlimited"
        switch moment.trigger {
        case "threshold":
            let percent = evidence.thresholdPercent.map { String(format: "%.0f", $0) } ?? "?"
            text = "at \(percent) % of RLIMIT_NOFILE (\(moment.open) of \(limit)) at \(String(format: "%.1f", moment.seconds)) s"
        default:
            let failures = moment.trigger == "emfile" ? evidence.emfileFailures : evidence.enfileFailures
            text = "first \(moment.trigger.uppercased()) at \(String(format: "%.1f", moment.seconds)) s"
            if let call = moment.failingCall {
                text += " in \(call)"
                if let culprit = moment.failingCulprit { text += " (\(ReportWording.codePath(culprit, calledFrom: nil)))" }
            }
            text += ", \(ReportWording.plural(failures, "failure")) in all; \(moment.open) open of \(limit)"
        }
        // Stacks that differ only outside the culprit (one helper called from two places) read the same
        // here: one phrase with their sum (JSON keeps them apart).
        var merged = [(key: String, path: EvidenceCodePath)]()
        for path in moment.codePaths {
            let key = "\(path.kind) \(ReportWording.codePath(path.culprit, calledFrom: nil))"
            if let index = merged.firstIndex(where: { $0.key == key }) { merged[index].path.count += path.count }
            else { merged.append((key, path)) }
        }
        merged.sort { $0.path.count > $1.path.count }
        let paths = merged.prefix(pathsPerLine).map { pathPhrase($0.path) }
        if !paths.isEmpty {
            text += ": " + paths.joined(separator: ", ")
            if merged.count > pathsPerLine { text += ", …" }
        }
        return text
    }

    /// "640 × socket at server.py:41 (accept_client)".
    static func pathPhrase(_ path: EvidenceCodePath) -> String {
        var text = "\(path.count) × \(path.kind) "
        if let location = path.culprit.shortLocation {
            text += "at \(location) (\(ReportWording.name(of: path.culprit)))"
        } else {
            text += "in \(ReportWording.name(of: path.culprit))"
        }
        return text
    }

    /// "3 calls failed with EMFILE (no snapshot: …)" when failures were counted without a snapshot line.
    static func failureLine(_ evidence: ProcessEvidence) -> String? {
        let missing = [("EMFILE", "emfile", evidence.emfileFailures), ("ENFILE", "enfile", evidence.enfileFailures)]
            .filter { name in name.2 > 0 && !evidence.moments.contains { $0.trigger == name.1 } }
        guard !missing.isEmpty else { return nil }
        return missing.map { "\(ReportWording.plural($0.2, "call")) failed with \($0.0)" }.joined(separator: ", ")
    }

    /// The process's state as a phrase: "exited", "detached (recording stopped; the process may still run)".
    static func state(_ process: ProcessSummary) -> String {
        var text = process.state == "detached" ? "detached (recording stopped; it may still run)" : process.state
        if process.attached == true { text += ", attached" }
        return text
    }

    /// "Ran out of descriptors" — the heading of the exhaustion section.
    static let exhaustionHeading = "Ran out of descriptors"

    /// "pid 4388: first EMFILE at 1.315 s in open (churn at leak_many.c:6), 20000 open of 20000; 30017 calls
    /// failed with EMFILE in all".
    static func exhaustionLine(_ entry: DescriptorExhaustion) -> String {
        var text = "pid \(entry.pid): first \(entry.error) at \(ReportWording.seconds(entry.seconds))"
        if let call = entry.failingCall {
            text += " in \(call)"
            if let culprit = entry.failingCulprit { text += " (\(ReportWording.codePath(culprit, calledFrom: nil)))" }
        }
        text += ", \(entry.open) open of \(entry.limit.map(String.init) ?? "unlimited"); "
            + "\(ReportWording.plural(entry.failures, "call")) failed with \(entry.error) in all"
        return text
    }

    /// "held then: 9998 × file opened by open in leak_b at leak_many.c:5 [L1]" (the leak group with the same
    /// culprit, when there is one), and the rest as "… and 5 open elsewhere".
    static func exhaustionHolders(_ entry: DescriptorExhaustion, leaks: [LeakGroup]) -> [String] {
        var lines = entry.codePaths.map { path -> String in
            var text = "\(path.count) × \(path.kind) opened by \(path.api) in " + ReportWording.codePath(path.culprit, calledFrom: path.calledFrom)
            if let leak = leaks.first(where: { $0.culprit == path.culprit && $0.kind == path.kind }) { text += " [\(leak.id)]" }
            return text
        }
        if entry.otherOpen > 0 { lines.append("\(entry.otherOpen) more open (inherited, or other code paths)") }
        return lines
    }

    /// The lines under a process in text output: time left, evidence moments. Without `failures` the
    /// EMFILE/ENFILE moments are left out (the exhaustion section shows them).
    static func processLines(_ process: ProcessSummary, failures: Bool = true) -> [String] {
        var lines = [String]()
        if let forecast = process.timeLeft, forecast.verdict != "too-little-data" {
            lines.append("time left: " + TimeLeftWording.sentence(forecast))
        }
        if let evidence = process.evidence {
            lines += evidence.moments.filter { failures || $0.trigger == "threshold" }.map { momentLine($0, in: evidence) }
            if let failures = failureLine(evidence) { lines.append(failures) }
        }
        return lines
    }
}
