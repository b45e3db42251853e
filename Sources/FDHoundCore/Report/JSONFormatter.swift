// The machine-readable report: the Report model encoded with sorted keys, so output is deterministic.
import Foundation

enum JSONFormatter {
    static func render(_ report: Report) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // The model holds only strings, integers and finite doubles, so encoding cannot fail in practice;
        // if it ever did, emit a JSON error object rather than trap.
        guard let data = try? encoder.encode(report) else {
            return "{\"error\":\"fdhound could not encode the report\",\"schemaVersion\":\(Report.currentSchemaVersion)}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
