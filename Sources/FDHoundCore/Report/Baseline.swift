// What `fdhound check` compares against: a JSON report saved from an earlier run (`fdhound report
// --format json > baseline.json`). A finding is "known" when the baseline has one with the same fingerprint
// (Fingerprint: section, kind, culprit function and source file name — not the line, so an edit above the
// call does not make a known leak new); counts may change without failing CI — a known leak that leaks more
// in this run is still the known leak. Read with JSONSerialization, so a baseline written by an older or
// newer fdhound (fields added) still loads; fingerprints are computed from each finding's culprit, so
// baselines written before fingerprints existed match the same way.
import Foundation

/// One code path a report blames. Equal (and hashed) by `fingerprint` alone; the other fields describe it.
public struct FindingSignature: Hashable, Sendable, CustomStringConvertible {
    /// "leak", "exec-leak", "reclaimed", "misuse"
    public var section: String
    public var kind: String
    public var function: String?
    public var file: String?
    public var line: Int?
    /// Fingerprint.of(section, kind, culprit): the identity.
    public var fingerprint: String

    public init(section: String, kind: String, function: String?, file: String?, line: Int?,
                module: String? = nil, address: String? = nil) {
        self.section = section
        self.kind = kind
        self.function = function
        self.file = file
        self.line = line
        fingerprint = Fingerprint.of(section: section, kind: kind, function: function, file: file,
                                     module: module, address: address)
    }

    public static func == (lhs: FindingSignature, rhs: FindingSignature) -> Bool { lhs.fingerprint == rhs.fingerprint }
    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }

    public var description: String {
        var text = "\(section) \(kind) in \(function ?? "?")"
        if let file { text += " at \((file as NSString).lastPathComponent)" + (line.map { ":\($0)" } ?? "") }
        return text + " [\(fingerprint)]"
    }
}

public struct Baseline {
    public var signatures: Set<FindingSignature> { Set(counts.keys) }
    /// Descriptors (or occurrences, for misuse) per finding.
    public let counts: [FindingSignature: Int]

    /// Loads a saved JSON report; throws a `BaselineError` naming the file when it is not one.
    public init(path: String) throws {
        let data: Data
        do {
            data = Data(try RegularFile.read(path)) // a FIFO given as the baseline is refused, not waited on
        } catch {
            throw BaselineError(path: path, problem: "cannot read it: \(error.message)")
        }
        // A report's \udcNN escapes (bytes that are not UTF-8) are lone surrogates, which JSONSerialization
        // refuses; read them as the marker scalars they stand for.
        let text = RawBytesText.jsonReadingMarkers(String(decoding: data, as: UTF8.self))
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              object["schemaVersion"] is Int else {
            throw BaselineError(path: path, problem: "not an fdhound JSON report (fdhound report --format json)")
        }
        var counts = [FindingSignature: Int]()
        for (key, section) in Self.sections {
            for group in object[key] as? [[String: Any]] ?? [] {
                let culprit = (group["culprit"] as? [String: Any])
                    ?? ((group["close"] as? [String: Any])?["culprit"] as? [String: Any]) ?? [:]
                let signature = FindingSignature(section: section, kind: group["kind"] as? String ?? "",
                                                 function: culprit["function"] as? String,
                                                 file: culprit["file"] as? String, line: culprit["line"] as? Int,
                                                 module: culprit["module"] as? String,
                                                 address: culprit["address"] as? String)
                counts[signature, default: 0] += group["count"] as? Int ?? 1
            }
        }
        self.counts = counts
    }

    /// Every finding of a report (all sections), as a baseline.
    public init(report: Report) {
        var counts = [FindingSignature: Int]()
        for finding in CheckFindings.findings(in: report, includeMisuse: true, includeReclaimed: true) {
            counts[finding.signature, default: 0] += finding.count
        }
        self.counts = counts
    }

    /// JSON keys of the report sections a check looks at, and the section names used in signatures.
    static let sections = [("leaks", "leak"), ("execLeaks", "exec-leak"), ("reclaimed", "reclaimed"), ("misuse", "misuse"),
                           ("outlivedPhase", "outlived-phase")]
}

public struct BaselineError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "baseline \(path): \(problem)" }
}

/// The findings of a report, as signatures with their counts, for a check.
public enum CheckFindings {
    public struct Finding: Sendable {
        public var signature: FindingSignature
        public var count: Int
        /// The culprit's module (executable or library path), for scoping a check to one's own code.
        public var module: String = ""
    }

    /// Every finding of the sections asked for, most descriptors first. Leaks of pattern `once` outside any
    /// phase (opened once and held to the end: often by design) only with `includeOnce` (`check --strict`).
    public static func findings(in report: Report, includeMisuse: Bool, includeReclaimed: Bool,
                                includeOnce: Bool = true) -> [Finding] {
        func finding(_ section: String, _ kind: String, _ frame: Frame, _ count: Int) -> Finding {
            Finding(signature: FindingSignature(section: section, kind: kind, function: frame.function,
                                                file: frame.file, line: frame.line, module: frame.module,
                                                address: frame.address),
                    count: count, module: frame.module)
        }
        var findings = report.leaks.filter { includeOnce || !$0.isHeldOnce }
            .map { finding("leak", $0.kind, $0.culprit, $0.count) }
        findings += report.execLeaks.map { finding("exec-leak", $0.kind, $0.culprit, $0.count) }
        if includeReclaimed {
            findings += report.reclaimed.map { finding("reclaimed", $0.kind, $0.culprit, $0.count) }
            // Outlived their phase: like reclaimed ones, held too long but closed in the end.
            findings += report.outlivedPhase.map { finding("outlived-phase", $0.kind, $0.culprit, $0.count) }
        }
        if includeMisuse {
            findings += report.misuse.map { finding("misuse", $0.kind, $0.close.culprit, $0.count) }
        }
        return findings
    }

    /// Only the findings whose culprit lies under one of `prefixes` (its source file or its module's path):
    /// a check of one's own code, not of the shell scripts and tools a test suite runs. No prefixes: all.
    public static func scoped(_ findings: [Finding], to prefixes: [String]) -> [Finding] {
        guard !prefixes.isEmpty else { return findings }
        return findings.filter { finding in
            prefixes.contains { prefix in
                (finding.signature.file?.hasPrefix(prefix) ?? false) || finding.module.hasPrefix(prefix)
            }
        }
    }

    /// The findings the baseline does not know.
    public static func new(_ findings: [Finding], against baseline: Baseline?) -> [Finding] {
        guard let baseline else { return findings }
        return findings.filter { !baseline.signatures.contains($0.signature) }
    }
}

/// What changed between two runs (`fdhound diff`): code paths only in the new run, only in the old one,
/// and in both with a different count.
public struct ReportDiff {
    public struct Change: Sendable {
        public var signature: FindingSignature
        public var before: Int
        public var after: Int
    }

    public let added: [Change]
    public let removed: [Change]
    public let changed: [Change]

    public init(before: Baseline, after: Baseline) {
        func sorted(_ changes: [Change]) -> [Change] {
            changes.sorted { max($0.before, $0.after) != max($1.before, $1.after)
                ? max($0.before, $0.after) > max($1.before, $1.after) : $0.signature.description < $1.signature.description }
        }
        added = sorted(after.counts.filter { before.counts[$0.key] == nil }
            .map { Change(signature: $0.key, before: 0, after: $0.value) })
        removed = sorted(before.counts.filter { after.counts[$0.key] == nil }
            .map { Change(signature: $0.key, before: $0.value, after: 0) })
        changed = sorted(after.counts.compactMap { key, count in
            guard let old = before.counts[key], old != count else { return nil }
            return Change(signature: key, before: old, after: count)
        })
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    public func render() -> String {
        guard !isEmpty else { return "No difference: the same code paths, with the same counts.\n" }
        var lines = [String]()
        if !added.isEmpty {
            lines.append("New in the second run (\(added.count)):")
            lines += added.map { "  + \($0.after) × \($0.signature)" }
        }
        if !removed.isEmpty {
            lines.append("Gone in the second run (\(removed.count)):")
            lines += removed.map { "  - \($0.before) × \($0.signature)" }
        }
        if !changed.isEmpty {
            lines.append("Changed counts (\(changed.count)):")
            lines += changed.map { "  ~ \($0.before) → \($0.after) × \($0.signature)" }
        }
        return VisibleEscapes.joinedLines(lines) + "\n"
    }
}
