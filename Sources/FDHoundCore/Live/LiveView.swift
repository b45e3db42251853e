// The model of `fdhound live`'s refreshing view and of its `--format json` snapshot: the process's count
// against its limit, descriptors per second between two looks, and the code paths holding descriptors,
// sorted by count or by growth. Built from LiveSnapshot (one look) and the look before it.
import Foundation

/// How the code paths are ordered on the screen.
public enum LiveSortKey: String, CaseIterable, Codable, Sendable {
    /// Most descriptors held first.
    case count
    /// Fastest rising first (descriptors gained since the previous look, then the fitted rate).
    case growth
}

/// One code path on the live screen.
public struct LiveCodePath: Codable, Equatable, Sendable {
    public var count: Int
    public var kind: String
    public var api: String
    public var culprit: Frame
    @NullEncoded public var calledFrom: Frame? = nil
    /// Descriptors gained since the previous look (nil on the first look).
    @NullEncoded public var gained: Int? = nil
    /// The fitted rate over the whole trace (descriptors per second) when the path is rising.
    @NullEncoded public var perSecond: Double? = nil
    @NullEncoded public var openedAtSite: Int? = nil
    @NullEncoded public var closedAtSite: Int? = nil
}

/// What one refresh shows (also the `live --format json` document).
public struct LiveView: Codable, Equatable, Sendable {
    public var pid: Int
    public var command: String
    public var open: Int
    @NullEncoded public var softLimit: Int? = nil
    @NullEncoded public var hardLimit: Int? = nil
    public var byKind: [Kind]
    /// Descriptors per second since the previous look (nil on the first).
    @NullEncoded public var perSecond: Double? = nil
    public var traced: Bool
    @NullEncoded public var traceFile: String? = nil
    public var sortedBy: LiveSortKey
    public var codePaths: [LiveCodePath]
    /// The process's projection and evidence, from its trace.
    @NullEncoded public var timeLeft: TimeLeft? = nil
    @NullEncoded public var evidence: ProcessEvidence? = nil
    @NullEncoded public var state: String? = nil

    public struct Kind: Codable, Equatable, Sendable {
        public var kind: String
        public var count: Int
    }

    /// Builds the view of `snapshot`, comparing with `previous` (taken `elapsed` seconds earlier).
    public init(_ snapshot: LiveSnapshot, previous: LiveView?, elapsed: Double?, sortedBy: LiveSortKey) {
        pid = snapshot.pid
        command = snapshot.command
        open = snapshot.openDescriptors
        softLimit = snapshot.softLimit
        hardLimit = snapshot.hardLimit
        byKind = snapshot.byKind.map { Kind(kind: $0.kind, count: $0.count) }
        if let previous, let elapsed, elapsed > 0 { perSecond = Double(open - previous.open) / elapsed }
        traced = snapshot.report != nil
        traceFile = snapshot.traceFile
        self.sortedBy = sortedBy
        let report = snapshot.report
        let process = report?.processes.first
        timeLeft = process?.timeLeft
        evidence = process?.evidence
        state = process?.state
        let before = Dictionary((previous?.codePaths ?? []).map { (Self.key($0.kind, $0.api, $0.culprit), $0.count) },
                                uniquingKeysWith: +)
        codePaths = (report?.leaks ?? []).map { leak in
            let key = Self.key(leak.kind, leak.api, leak.culprit)
            let rate = report?.timeLeft.first { Self.key($0.kind, $0.api, $0.culprit) == key }?.timeLeft.perSecond
            return LiveCodePath(count: leak.count, kind: leak.kind, api: leak.api, culprit: leak.culprit,
                                calledFrom: leak.calledFrom, gained: previous == nil ? nil : leak.count - (before[key] ?? 0),
                                perSecond: rate, openedAtSite: leak.openedAtSite, closedAtSite: leak.closedAtSite)
        }
        sort()
    }

    /// Orders `codePaths` by `sortedBy` (ties: more descriptors, then the culprit's name: deterministic).
    public mutating func sort() {
        let byCount: (LiveCodePath, LiveCodePath) -> Bool = { a, b in
            a.count != b.count ? a.count > b.count : ReportWording.name(of: a.culprit) < ReportWording.name(of: b.culprit)
        }
        switch sortedBy {
        case .count:
            codePaths.sort(by: byCount)
        case .growth:
            codePaths.sort { a, b in
                let ga = a.gained ?? 0, gb = b.gained ?? 0
                if ga != gb { return ga > gb }
                let ra = a.perSecond ?? 0, rb = b.perSecond ?? 0
                if ra != rb { return ra > rb }
                return byCount(a, b)
            }
        }
    }

    private static func key(_ kind: String, _ api: String, _ culprit: Frame) -> String {
        "\(kind)|\(api)|\(culprit.function ?? culprit.address)|\(culprit.file ?? "")|\(culprit.line ?? 0)"
    }

    /// The JSON document (sorted keys: deterministic).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{\"error\":\"fdhound could not encode the view\"}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
