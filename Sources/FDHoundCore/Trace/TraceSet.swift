// Finds and loads the traces of one run: a directory of fdhound.<pid>.trace files, or a single file.
import Foundation

/// The traces of a run, loaded and validated.
public enum TraceSet {
    /// Loads `path` (a directory: every `fdhound.*.trace` in it; or one trace file), sorted by pid then name.
    public static func load(path: String) throws -> [TraceFile] {
        try scan(path: path).traces
    }

    /// Like `load`, and also names the files skipped because their writer never finished set-up.
    ///
    /// The writer stores the magic last during set-up, so a file that is all zeros at the start belongs to a
    /// process killed while starting: skipping it (with a warning) keeps the rest of the run readable.
    /// Any other problem fails the whole load, naming the file.
    public static func scan(path: String) throws -> (traces: [TraceFile], skipped: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TraceError(path: path, problem: "no such file or directory")
        }
        guard isDirectory.boolValue else {
            return ([try TraceFile(path: path)], [])
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw TraceError(path: path, problem: "cannot list the directory: \(error.localizedDescription)")
        }
        let traceNames = names.filter { $0.hasPrefix("fdhound.") && $0.hasSuffix(".trace") }.sorted()
        var traces = [TraceFile]()
        var skipped = [String]()
        for name in traceNames {
            let file = (path as NSString).appendingPathComponent(name)
            if Self.setUpNeverFinished(file) {
                skipped.append(file)
                continue
            }
            traces.append(try TraceFile(path: file))
        }
        guard !traces.isEmpty else {
            let note = skipped.isEmpty ? "" : " (\(skipped.count) unfinished trace files skipped)"
            throw TraceError(path: path, problem: "no fdhound traces in \(path)\(note)")
        }
        traces.sort { a, b in
            a.header.pid != b.header.pid ? a.header.pid < b.header.pid : a.path < b.path
        }
        return (traces, skipped)
    }

    /// True if the file's first 8 bytes exist and are all zero.
    private static func setUpNeverFinished(_ file: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: file) else { return false }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 8)) ?? Data()
        return start.count == 8 && start.allSatisfy { $0 == 0 }
    }
}
