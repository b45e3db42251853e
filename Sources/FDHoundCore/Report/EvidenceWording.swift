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

    /// The lines under a process in text output: time left, evidence moments.
    static func processLines(_ process: ProcessSummary) -> [String] {
        var lines = [String]()
        if let forecast = process.timeLeft, forecast.verdict != "too-little-data" {
            lines.append("time left: " + TimeLeftWording.sentence(forecast))
        }
        if let evidence = process.evidence {
            lines += evidence.moments.map { momentLine($0, in: evidence) }
            if let failures = failureLine(evidence) { lines.append(failures) }
        }
        return lines
    }
}
