// Stable fingerprints of findings: the same code path gets the same fingerprint in every run of every build
// on every machine, so baselines (`check --baseline`), `diff` and SARIF's partialFingerprints can match
// findings across runs. Made of the section, the descriptor (or misuse) kind and the culprit's function and
// source file name — not its line (an edit above it moves it), not the file's directory (checkouts differ),
// not addresses (a rebuild moves them). A culprit without a function name falls back to its module's file
// name and module-relative address, the only identity it has (stable for one build). FNV-1a 64 of those
// fields, 16 hex digits; the "v1" input prefix leaves room for another recipe later.

public enum Fingerprint {
    /// The fingerprint of a finding of `section` ("leak", "exec-leak", "misuse", "reclaimed", "growth",
    /// "outlived-phase").
    public static func of(section: String, kind: String, function: String?, file: String?,
                          module: String?, address: String?) -> String {
        var fields = ["v1", section, kind]
        if let function, !function.isEmpty {
            fields += [function, file.map(lastComponent) ?? ""]
        } else {
            fields += ["", "", module.map(lastComponent) ?? "", address ?? ""]
        }
        return hex(fnv1a(fields.joined(separator: "\u{0}")))
    }

    public static func of(section: String, kind: String, culprit: Frame) -> String {
        of(section: section, kind: kind, function: culprit.function, file: culprit.file,
           module: culprit.module, address: culprit.address)
    }

    /// Sets the fingerprint of every finding of the report (ReportBuilder's last step).
    static func assign(to report: inout Report) {
        for index in report.exhaustion.indices {
            let entry = report.exhaustion[index]
            report.exhaustion[index].fingerprint = of(section: "exhaustion", kind: entry.error,
                                                      culprit: entry.failingCulprit ?? Frame(module: "", address: ""))
        }
        for index in report.leaks.indices {
            report.leaks[index].fingerprint = of(section: "leak", kind: report.leaks[index].kind, culprit: report.leaks[index].culprit)
        }
        for index in report.execLeaks.indices {
            report.execLeaks[index].fingerprint = of(section: "exec-leak", kind: report.execLeaks[index].kind,
                                                     culprit: report.execLeaks[index].culprit)
        }
        for index in report.execPassed.indices {
            report.execPassed[index].fingerprint = of(section: "exec-passed", kind: report.execPassed[index].kind,
                                                      culprit: report.execPassed[index].culprit)
        }
        for index in report.misuse.indices {
            report.misuse[index].fingerprint = of(section: "misuse", kind: report.misuse[index].kind,
                                                  culprit: report.misuse[index].close.culprit)
        }
        for index in report.reclaimed.indices {
            report.reclaimed[index].fingerprint = of(section: "reclaimed", kind: report.reclaimed[index].kind,
                                                     culprit: report.reclaimed[index].culprit)
        }
        for index in report.outlivedPhase.indices {
            report.outlivedPhase[index].fingerprint = of(section: "outlived-phase", kind: report.outlivedPhase[index].kind,
                                                         culprit: report.outlivedPhase[index].culprit)
        }
        for index in report.growth.indices {
            report.growth[index].fingerprint = of(section: "growth", kind: report.growth[index].kind,
                                                  culprit: report.growth[index].culprit)
        }
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
