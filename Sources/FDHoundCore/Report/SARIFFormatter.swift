// SARIF 2.1.0 (`fdhound report --format sarif`), for GitHub code scanning and other SARIF viewers: one rule
// per finding kind (leak, exec leak, each misuse kind, reclaimed, growth), one result per finding located
// at its culprit's file and line, the opening (or offending close's) stack as a code flow — outermost call
// first, the call that opened the descriptor last — and `partialFingerprints` from the finding's stable
// fingerprint (Fingerprint.swift), so a viewer tracks a finding across runs. Unlike the JSON report, SARIF
// forbids `null` in most places: absent values are left out. Paths become file:// URIs (absolute) or
// relative URI references; no field of the report's model is lost that a viewer would show, the rest is in
// each result's property bag (count, kind, api, the report's id).
import Foundation

enum SARIFFormatter {
    /// `root`: the checkout; files under it get URIs relative to it (`uriBaseId` SRCROOT).
    static func render(_ report: Report, root: String? = nil) -> String {
        let base = root.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        let rules = Rule.all
        var results = [Result]()
        func add(_ rule: Rule, message: String, culprit: Frame, stack: [Frame], fingerprint: String,
                 properties: [String: PropertyValue], level: String? = nil) {
            let index = rules.firstIndex { $0.id == rule.id } ?? 0
            results.append(Result(ruleId: rule.id, ruleIndex: index, level: level ?? rule.level, message: Message(text: message),
                                  locations: [location(of: culprit, base: base, message: nil)],
                                  codeFlows: stack.isEmpty ? nil : [codeFlow(stack, base: base)],
                                  partialFingerprints: ["fdhoundFingerprint/v1": fingerprint],
                                  properties: properties))
        }
        for leak in report.leaks {
            var properties = common(leak.id, leak.count, leak.kind, leak.api, leak.phase)
            if let pattern = leak.pattern { properties["pattern"] = .string(pattern.rawValue) }
            if let confidence = leak.confidence { properties["confidence"] = .string(confidence.rawValue) }
            if let reason = leak.reason { properties["reason"] = .string(reason) }
            if let sampling = ReportWording.stackSampling(leak) { properties["stackSampling"] = .string(sampling) }
            // A descriptor opened once and held (often by design) is a note, not an error.
            add(.leak, message: "\(ReportWording.plural(leak.count, "descriptor")) (\(leak.kind)) opened by \(leak.api) in "
                + "\(name(leak.culprit)) left open at exit (\(leak.id))"
                + (LeakAssessmentWording.line(leak).map { "; \($0)." } ?? ".")
                + (ReportWording.stackSampling(leak).map { " Stack sampled: \($0.dropFirst("stack sampled: ".count))." } ?? ""),
                culprit: leak.culprit, stack: leak.stack, fingerprint: leak.fingerprint,
                properties: properties, level: leak.isHeldOnce ? "note" : nil)
        }
        for group in report.execLeaks {
            add(.execLeak, message: "\(ReportWording.plural(group.count, "descriptor")) (\(group.kind)) opened by \(group.api) in "
                + "\(name(group.culprit)) leaked into \(group.intoProgram) across exec: no close-on-exec (\(group.id)).",
                culprit: group.culprit, stack: group.stack, fingerprint: group.fingerprint,
                properties: common(group.id, group.count, group.kind, group.api, nil, group.confidence, group.reason))
        }
        for group in report.misuse {
            let rule = Rule.misuse(group.kind)
            add(rule, message: "\(rule.shortDescription) of fd \(group.fd) in \(name(group.close.culprit)), "
                + "\(ReportWording.plural(group.count, "time")) (\(group.id)).",
                culprit: group.close.culprit, stack: group.close.stack, fingerprint: group.fingerprint,
                properties: common(group.id, group.count, group.kind, "close", nil, group.confidence, group.reason))
        }
        for group in report.reclaimed {
            add(.reclaimed, message: "\(ReportWording.plural(group.count, "descriptor")) (\(group.kind)) opened by \(group.api) in "
                + "\(name(group.culprit)) never closed by the program: released by \(group.how.rawValue.replacingOccurrences(of: "-", with: " ")) (\(group.id)).",
                culprit: group.culprit, stack: group.stack, fingerprint: group.fingerprint,
                properties: common(group.id, group.count, group.kind, group.api, group.phase, group.confidence, group.reason))
        }
        for group in report.outlivedPhase {
            add(.outlivedPhase, message: "\(ReportWording.plural(group.count, "descriptor")) (\(group.kind)) opened by \(group.api) in "
                + "\(name(group.culprit)) during phase \(group.phase) outlived it: closed only after it ended (\(group.id)).",
                culprit: group.culprit, stack: group.stack, fingerprint: group.fingerprint,
                properties: common(group.id, group.count, group.kind, group.api, group.phase, group.confidence, group.reason))
        }
        for group in report.growth {
            add(.growth, message: "Descriptors (\(group.kind)) opened by \(group.api) in \(name(group.culprit)) kept rising "
                + "during the run: \(group.count) held, peak \(group.peak) (\(group.id)).",
                culprit: group.culprit, stack: group.stack, fingerprint: group.fingerprint,
                properties: common(group.id, group.count, group.kind, group.api, nil, group.confidence, group.reason))
        }
        for entry in report.exhaustion {
            let holders = EvidenceWording.exhaustionHolders(entry, leaks: report.leaks)
            var properties: [String: PropertyValue] = ["id": .string(entry.id), "error": .string(entry.error),
                                                       "open": .int(entry.open), "failures": .int(entry.failures)]
            if let limit = entry.limit { properties["limit"] = .int(limit) }
            add(.exhaustion, message: EvidenceWording.exhaustionLine(entry) + (holders.isEmpty ? "." : "; held then: "
                    + holders.prefix(EvidenceWording.pathsPerLine).joined(separator: ", ") + "."),
                culprit: entry.failingCulprit ?? entry.codePaths.first?.culprit ?? Frame(module: "[unknown]", address: "0x0"),
                stack: entry.failingStack, fingerprint: entry.fingerprint, properties: properties)
        }
        let log = Log(runs: [Run(tool: Tool(driver: Driver(name: report.tool.name, version: report.tool.version,
                                                            rules: rules.map(\.descriptor))),
                                 originalUriBaseIds: base.map { [rootId: ArtifactLocation(uri: uri($0))] },
                                 results: results,
                                 properties: report.suppressions.isEmpty ? nil : ["fdhoundSuppressions": report.suppressions])])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(log) else {
            return "{\"version\":\"2.1.0\",\"runs\":[]}\n"
        }
        return RawBytesText.jsonEscapingMarkers(String(decoding: data, as: UTF8.self)) + "\n"
    }

    // MARK: Rules

    struct Rule {
        var id: String
        var name: String
        var shortDescription: String
        var fullDescription: String
        var level: String

        static let leak = Rule(id: "fdhound/leak", name: "DescriptorLeak",
                               shortDescription: "File descriptor left open",
                               fullDescription: "Descriptors opened here were still open when the process ended: close them (or use a scope that does).",
                               level: "error")
        static let execLeak = Rule(id: "fdhound/exec-leak", name: "DescriptorLeakedAcrossExec",
                                   shortDescription: "File descriptor leaked into another program",
                                   fullDescription: "Descriptors opened here without close-on-exec crossed an exec into another program: open them with O_CLOEXEC / SOCK_CLOEXEC.",
                                   level: "error")
        static let doubleClose = Rule(id: "fdhound/double-close", name: "DoubleClose",
                                      shortDescription: "Double close",
                                      fullDescription: "A descriptor closed here was already closed: the number may belong to another file by then.",
                                      level: "error")
        static let closeNotOpen = Rule(id: "fdhound/close-not-open", name: "CloseOfDescriptorNotOpen",
                                       shortDescription: "Close of a descriptor that was not open",
                                       fullDescription: "A descriptor closed here was not open.",
                                       level: "warning")
        static let ownerViolation = Rule(id: "fdhound/owner-violation", name: "CloseOfOwnedDescriptor",
                                         shortDescription: "Raw close of a descriptor a FILE*, DIR* or D-Bus connection owns",
                                         fullDescription: "A descriptor owned by a FILE*, DIR* or D-Bus connection was closed with close(): close its owner instead.",
                                         level: "warning")
        static let reclaimed = Rule(id: "fdhound/reclaimed", name: "DescriptorReclaimedByPython",
                                    shortDescription: "Descriptor closed by Python instead of the program",
                                    fullDescription: "Descriptors opened here were never closed by the program; a finalizer, the garbage collector or interpreter shutdown released them: use `with` or close() explicitly.",
                                    level: "warning")
        static let growth = Rule(id: "fdhound/growth", name: "RisingDescriptorCount",
                                 shortDescription: "Descriptor count rising during the run",
                                 fullDescription: "The number of descriptors held from this code path kept rising during the run.",
                                 level: "warning")
        static let outlivedPhase = Rule(id: "fdhound/outlived-phase", name: "DescriptorOutlivedItsPhase",
                                        shortDescription: "Descriptor opened during a phase outlived it",
                                        fullDescription: "Descriptors opened here during a phase (a test, a request) were still open when it ended and were closed only later: close them before the phase ends.",
                                        level: "warning")
        static let exhaustion = Rule(id: "fdhound/exhaustion", name: "DescriptorsExhausted",
                                     shortDescription: "The process ran out of file descriptors",
                                     fullDescription: "A call failed with EMFILE (the process's RLIMIT_NOFILE) or ENFILE (the system's limit): the code paths holding descriptors then are the ones to fix.",
                                     level: "error")
        static let all = [leak, execLeak, doubleClose, closeNotOpen, ownerViolation, reclaimed, outlivedPhase, growth,
                          exhaustion]

        static func misuse(_ kind: String) -> Rule {
            switch kind {
            case "double-close": return doubleClose
            case "owner-violation": return ownerViolation
            default: return closeNotOpen
            }
        }

        var descriptor: ReportingDescriptor {
            ReportingDescriptor(id: id, name: name, shortDescription: Message(text: shortDescription),
                                fullDescription: Message(text: fullDescription), help: Message(text: fullDescription),
                                defaultConfiguration: Configuration(level: level),
                                properties: ["tags": .strings(["reliability", "resource-leak"])])
        }
    }

    // MARK: Locations

    private static func name(_ frame: Frame) -> String {
        ReportWording.name(of: frame)
    }

    private static func common(_ id: String, _ count: Int, _ kind: String, _ api: String, _ phase: String?,
                               _ confidence: Confidence? = nil, _ reason: String? = nil) -> [String: PropertyValue] {
        var properties: [String: PropertyValue] = ["id": .string(id), "count": .int(count), "kind": .string(kind),
                                                   "api": .string(api)]
        if let phase { properties["phase"] = .string(phase) }
        if let confidence { properties["confidence"] = .string(confidence.rawValue) }
        if let reason { properties["reason"] = .string(reason) }
        return properties
    }

    /// A file:// URI for an absolute path, a relative URI reference otherwise (percent-encoded either way).
    static func uri(_ path: String) -> String {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: ";"))
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    /// A file under the checkout relative to SRCROOT; any other as an absolute (or as recorded) URI.
    private static func artifact(of path: String, base: String?) -> ArtifactLocation {
        if let base, path.hasPrefix(base), path.count > base.count {
            return ArtifactLocation(uri: uri(String(path.dropFirst(base.count))), uriBaseId: rootId)
        }
        return ArtifactLocation(uri: uri(path))
    }

    /// The name SARIF viewers resolve relative artifact URIs against (declared in `originalUriBaseIds`).
    static let rootId = "SRCROOT"

    /// The frame's source line when it has one, else its module (a binary location, no region).
    private static func location(of frame: Frame, base: String?, message: String?) -> Location {
        var region: Region?
        if frame.file != nil, let line = frame.line, line >= 1 {
            region = Region(startLine: line, startColumn: frame.column.flatMap { $0 >= 1 ? $0 : nil })
        }
        let path = frame.file ?? (frame.module.hasPrefix("[") ? nil : frame.module)
        return Location(physicalLocation: path.map {
                            PhysicalLocation(artifactLocation: artifact(of: $0, base: base), region: region)
                        },
                        logicalLocations: [LogicalLocation(name: name(frame), kind: frame.function == nil ? "module" : "function")],
                        message: message.map(Message.init(text:)))
    }

    /// The stack as one thread flow, outermost frame first (execution order), each step naming its module.
    private static func codeFlow(_ stack: [Frame], base: String?) -> CodeFlow {
        let steps = stack.reversed().map { frame in
            ThreadFlowLocation(location: location(of: frame, base: base, message: "\(name(frame))  (\(frame.moduleName))"
                                                    + (frame.inlined ? " [inlined]" : "")
                                                    + (ReportWording.debugInfoNote(frame).map { "  " + $0 } ?? "")))
        }
        return CodeFlow(threadFlows: [ThreadFlow(locations: steps)])
    }

    // MARK: The SARIF objects used (names as in the 2.1.0 schema)

    struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }
    struct Run: Encodable {
        var tool: Tool
        var originalUriBaseIds: [String: ArtifactLocation]?
        var results: [Result]
        /// fdhound's suppressions and what each took out (absent without --suppressions).
        var properties: [String: [SuppressionUse]]? = nil
    }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name: String
        var version: String
        var rules: [ReportingDescriptor]
    }
    struct ReportingDescriptor: Encodable {
        var id: String
        var name: String
        var shortDescription: Message
        var fullDescription: Message
        var help: Message
        var defaultConfiguration: Configuration
        var properties: [String: PropertyValue]
    }
    struct Configuration: Encodable { var level: String }
    struct Message: Encodable { var text: String }
    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
        var codeFlows: [CodeFlow]?
        var partialFingerprints: [String: String]
        var properties: [String: PropertyValue]
    }
    struct Location: Encodable {
        var physicalLocation: PhysicalLocation?
        var logicalLocations: [LogicalLocation]
        var message: Message?
    }
    struct PhysicalLocation: Encodable { var artifactLocation: ArtifactLocation; var region: Region? }
    struct ArtifactLocation: Encodable { var uri: String; var uriBaseId: String? = nil }
    struct Region: Encodable { var startLine: Int; var startColumn: Int? }
    struct LogicalLocation: Encodable { var name: String; var kind: String }
    struct CodeFlow: Encodable { var threadFlows: [ThreadFlow] }
    struct ThreadFlow: Encodable { var locations: [ThreadFlowLocation] }
    struct ThreadFlowLocation: Encodable { var location: Location }

    /// A value of a SARIF property bag.
    enum PropertyValue: Encodable {
        case string(String), int(Int), strings([String])
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .int(let value): try container.encode(value)
            case .strings(let value): try container.encode(value)
            }
        }
    }
}
