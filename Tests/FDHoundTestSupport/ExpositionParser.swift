// Reads the Prometheus text exposition format strictly, for the tests of `fdhound metrics` (unit and
// end-to-end): a malformed line fails the test instead of being skipped.

/// A strict reader of the Prometheus text format (version 0.0.4) for the tests: every line is a comment
/// (`# HELP`/`# TYPE`) or `name{label="value",…} number`, label values with only `\\`, `\"` and `\n` escapes.
public enum ExpositionParser {
    public struct Sample {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static func parse(_ text: String) throws -> [Sample] {
        var samples = [Sample]()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { continue }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { continue }
            samples.append(try sample(Array(line.unicodeScalars), line: String(line)))
        }
        return samples
    }

    private static func sample(_ s: [Unicode.Scalar], line: String) throws -> Sample {
        var i = 0
        func isNameScalar(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == ":"
        }
        var name = ""
        while i < s.count, isNameScalar(s[i]) { name.unicodeScalars.append(s[i]); i += 1 }
        guard !name.isEmpty else { throw Failure(description: "no metric name: \(line.debugDescription)") }
        var labels = [String: String]()
        if i < s.count, s[i] == "{" {
            i += 1
            while i < s.count, s[i] != "}" {
                var key = ""
                while i < s.count, isNameScalar(s[i]) { key.unicodeScalars.append(s[i]); i += 1 }
                guard i + 1 < s.count, s[i] == "=", s[i + 1] == "\"" else { throw Failure(description: "bad label: \(line.debugDescription)") }
                i += 2
                var value = ""
                while i < s.count, s[i] != "\"" {
                    if s[i] == "\\" {
                        guard i + 1 < s.count else { throw Failure(description: "dangling escape: \(line.debugDescription)") }
                        switch s[i + 1] {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw Failure(description: "unknown escape: \(line.debugDescription)")
                        }
                        i += 2
                    } else {
                        value.unicodeScalars.append(s[i]); i += 1
                    }
                }
                guard i < s.count else { throw Failure(description: "unterminated value: \(line.debugDescription)") }
                i += 1
                guard labels.updateValue(value, forKey: key) == nil else { throw Failure(description: "repeated label: \(line.debugDescription)") }
                if i < s.count, s[i] == "," { i += 1 }
            }
            guard i < s.count else { throw Failure(description: "unterminated labels: \(line.debugDescription)") }
            i += 1
        }
        guard i < s.count, s[i] == " " else { throw Failure(description: "no value: \(line.debugDescription)") }
        let rest = String(String.UnicodeScalarView(s[(i + 1)...]))
        guard let value = Double(rest) ?? (rest == "+Inf" ? .infinity : rest == "-Inf" ? -.infinity : rest == "NaN" ? .nan : nil) else {
            throw Failure(description: "bad value: \(line.debugDescription)")
        }
        return Sample(name: name, labels: labels, value: value)
    }
}
