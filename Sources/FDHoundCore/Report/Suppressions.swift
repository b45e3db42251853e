// Suppressions (docs/SUPPRESSIONS.md): a file of entries, each naming findings the user accepts — by the
// frames of the finding's stack, in valgrind's way (`fun:`, `src:`, `obj:` glob patterns matched from the
// innermost frame, `...` for any number of frames), by fingerprint, or both — and optionally by section.
// Applying them takes the matched findings out of the report's sections and counts, per entry, what it
// matched; an entry that matched nothing is reported, so stale suppressions do not pile up.
import Foundation

/// One pattern for one frame of a stack.
public enum FramePattern: Equatable, Sendable {
    /// `...`: any number of frames (zero included).
    case anyFrames
    /// `fun:GLOB` — the frame's function; `src:GLOB` — its source file (full path or name); `obj:GLOB` — its
    /// module (full path or name).
    case function(String), source(String), object(String)

    func matches(_ frame: Frame) -> Bool {
        switch self {
        case .anyFrames: return true
        case .function(let glob): return frame.function.map { Glob.matches(glob, $0) } ?? false
        case .source(let glob): return frame.file.map { Glob.matches(glob, $0) || Glob.matches(glob, ($0 as NSString).lastPathComponent) } ?? false
        case .object(let glob): return Glob.matches(glob, frame.module) || Glob.matches(glob, frame.moduleName)
        }
    }
}

/// One entry of a suppression file.
public struct SuppressionEntry: Equatable, Sendable {
    public var name: String
    /// `leak`, `exec-leak`, `misuse`, `reclaimed`, `growth`, `outlived-phase`; nil: any.
    public var section: String?
    public var fingerprint: String?
    /// Matched from the innermost frame; the stack may go on after the last pattern.
    public var frames: [FramePattern]
    /// Where it was written (for the report and for errors).
    public var file: String
    public var line: Int

    /// Whether a finding of `section` with `fingerprint` and `stack` is suppressed by this entry: every
    /// criterion given must hold.
    public func matches(section: String, fingerprint: String, stack: [Frame]) -> Bool {
        if let wanted = self.section, wanted != section { return false }
        if let wanted = self.fingerprint, wanted != fingerprint { return false }
        return frames.isEmpty || Self.match(frames[...], stack[...])
    }

    private static func match(_ patterns: ArraySlice<FramePattern>, _ stack: ArraySlice<Frame>) -> Bool {
        guard let pattern = patterns.first else { return true }   // the rest of the stack is free
        if pattern == .anyFrames {
            // `...` takes zero or more frames: try every split (stacks are at most 128 frames).
            var rest = stack
            while true {
                if match(patterns.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let frame = stack.first, pattern.matches(frame) else { return false }
        return match(patterns.dropFirst(), stack.dropFirst())
    }
}

/// A suppression file that cannot be read or parsed: names the file, the line and the problem.
public struct SuppressionError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let problem: String
    public var description: String { "suppressions \(file)" + (line.map { ":\($0)" } ?? "") + ": \(problem)" }
}

public enum SuppressionFile {
    /// The sections a finding can be in (the names `check` and baselines use).
    public static let sections = ["leak", "exec-leak", "misuse", "reclaimed", "growth", "outlived-phase"]

    /// Reads and parses a suppression file.
    public static func load(_ path: String) throws -> [SuppressionEntry] {
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(path)
        } catch {
            throw SuppressionError(file: path, line: nil, problem: "cannot read it: \(error.message)")
        }
        return try parse(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Entries are blocks in braces: the name on the first line, then `section:`, `fingerprint:` and frame
    /// lines (`fun:`, `src:`, `obj:`, `...`) in any order (frames in stack order). `#` starts a comment.
    public static func parse(_ text: String, file: String) throws -> [SuppressionEntry] {
        var entries = [SuppressionEntry]()
        var current: SuppressionEntry? = nil
        var names = Set<String>()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            func fail(_ problem: String) -> SuppressionError { SuppressionError(file: file, line: number, problem: problem) }
            if line.isEmpty { continue }
            if line == "{" {
                guard current == nil else { throw fail("'{' inside an entry (a '}' is missing above)") }
                current = SuppressionEntry(name: "", frames: [], file: file, line: number)
                continue
            }
            guard var entry = current else { throw fail("'\(line)' outside an entry (entries are { … } blocks)") }
            if line == "}" {
                guard !entry.name.isEmpty else { throw fail("an entry without a name") }
                guard entry.fingerprint != nil || entry.frames.contains(where: { $0 != .anyFrames }) else {
                    throw fail("entry '\(entry.name)' would match everything: give frames (fun:, src:, obj:) or a fingerprint")
                }
                guard names.insert(entry.name).inserted else { throw fail("a second entry named '\(entry.name)'") }
                entries.append(entry)
                current = nil
                continue
            }
            if entry.name.isEmpty {
                entry.name = line
            } else if line == "..." {
                entry.frames.append(.anyFrames)
            } else if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                guard !value.isEmpty else { throw fail("'\(key):' without a value") }
                switch key {
                case "fun": entry.frames.append(.function(value))
                case "src": entry.frames.append(.source(value))
                case "obj": entry.frames.append(.object(value))
                case "section":
                    guard sections.contains(value) else { throw fail("unknown section '\(value)' (one of \(sections.joined(separator: ", ")))") }
                    entry.section = value
                case "fingerprint":
                    guard value.count == 16, value.allSatisfy(\.isHexDigit) else { throw fail("a fingerprint is 16 hex digits, not '\(value)'") }
                    entry.fingerprint = value.lowercased()
                default:
                    throw fail("unknown line '\(key):' (fun:, src:, obj:, ..., section:, fingerprint:)")
                }
            } else {
                throw fail("cannot read '\(line)' (fun:, src:, obj:, ..., section:, fingerprint:)")
            }
            current = entry
        }
        if let open = current { throw SuppressionError(file: file, line: open.line, problem: "entry not closed with '}'") }
        return entries
    }
}

/// Shell-style globs (`*`, `?`, `[…]`) as fnmatch(3) reads them, without special meaning for `/`.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
