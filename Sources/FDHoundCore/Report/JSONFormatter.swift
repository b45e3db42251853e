// The machine-readable report: the Report model encoded with sorted keys, so output is deterministic.
// Strings are exact: control characters are JSON escapes, and bytes that are not UTF-8 are \udcNN.
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
        // Bytes of trace strings that are not UTF-8 are written as lone surrogates \udcNN (RawBytesText).
        return RawBytesText.jsonEscapingMarkers(String(decoding: data, as: UTF8.self)) + "\n"
    }
}
