// Finds and loads the traces of one run: a directory of fdhound.<pid>.trace files, or a single file.
import Foundation

/// A file named like a trace that a directory scan left out, and why (one sentence, lower-case).
public struct SkippedTrace: Equatable, Sendable {
    public let path: String
    public let reason: String
}

/// The traces of a run, loaded and validated.
public enum TraceSet {
    /// Loads `path` (a directory: every `fdhound.*.trace` in it; or one trace file), sorted by pid then name.
    public static func load(path: String) throws -> [TraceFile] {
        try scan(path: path).traces
    }

    /// Like `load`, and also names the files a directory scan skipped, with the reason.
    ///
    /// Skipped with a warning (the rest of the run stays readable): anything that is not a regular file (a
    /// FIFO, socket, device or directory named like a trace is never opened for reading, so it cannot
    /// hang the reader), and files whose writer never finished set-up — shorter than the 8-byte magic (a
    /// SIGKILL between creating and sizing the file) or all zeros at the start (the writer stores the
    /// magic last), and names that vanished since the listing (or dangling symlinks). Any other problem
    /// fails the whole load, naming the file; so does a directory where
    /// nothing is readable. A path given as a single file is never skipped: its problem is the error.
    public static func scan(path: String) throws -> (traces: [TraceFile], skipped: [SkippedTrace]) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw TraceError(path: path, problem: String(cString: strerror(errno)).lowercased())
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
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
        var skipped = [SkippedTrace]()
        for name in traceNames {
            let file = (path as NSString).appendingPathComponent(name)
            let storage: TraceBytes
            do {
                storage = try RegularFile.map(file)
            } catch where error.notRegular {
                skipped.append(SkippedTrace(path: file, reason: "\(error.message), not read"))
                continue
            } catch where error.missing {
                skipped.append(SkippedTrace(path: file, reason: "gone since the directory was listed, or a dangling symlink"))
                continue
            } catch {
                throw TraceError(path: file, problem: error.message)
            }
            let start = ByteReader(storage: storage).slice(at: 0, count: min(8, storage.count)) ?? []
            if let unfinished = setUpNeverFinished(start, size: storage.count) {
                skipped.append(SkippedTrace(path: file, reason: unfinished))
                continue
            }
            traces.append(try TraceFile(storage: storage, path: file))
        }
        guard !traces.isEmpty else {
            if skipped.isEmpty { throw TraceError(path: path, problem: "no fdhound traces in \(path)") }
            let reasons = skipped.map { "\(($0.path as NSString).lastPathComponent): \($0.reason)" }
            throw TraceError(path: path, problem: "no readable fdhound traces in \(path) (skipped "
                + reasons.joined(separator: "; ") + ")")
        }
        traces.sort { a, b in
            a.header.pid != b.header.pid ? a.header.pid < b.header.pid : a.path < b.path
        }
        return (traces, skipped)
    }

    /// Why a file's writer evidently never finished set-up, or nil if it did.
    /// `bytes` are the file's first bytes (up to 8), `size` its length.
    static func setUpNeverFinished(_ bytes: [UInt8], size: Int? = nil) -> String? {
        let size = size ?? bytes.count
        if size < 8 || bytes.count < 8 {
            return "only \(size) bytes, too short to hold a trace header (its process was killed while starting)"
        }
        if bytes.prefix(8).allSatisfy({ $0 == 0 }) {
            return "its writer never finished set-up (no magic yet)"
        }
        return nil
    }
}
