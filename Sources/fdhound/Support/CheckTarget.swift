// What `fdhound check` checks: a command to run traced (`check -- make test`, or `check make test`), or the
// traces of a run made earlier (`check DIR`, `check FILE`). Without `--`, a first argument that is a directory,
// a file starting with the trace magic, or a name ending in `.trace` is taken as traces — a directory
// cannot be run, and a trace file is no program; anything else is a command, as before.
import FDHoundCore
import Foundation

enum CheckTarget: Equatable {
    case command([String])
    case traces(String)

    /// Classifies check's positional arguments; `explicitCommand` is true when they followed `--`.
    /// Arguments after a trace path (`check DIR --format json`) are an error the caller reports: the
    /// parser hands everything after the first positional argument over as the command's.
    static func classify(_ arguments: [String], explicitCommand: Bool) -> CheckTarget {
        guard !explicitCommand, let path = arguments.first, isTraces(path) else { return .command(arguments) }
        return .traces(path)
    }

    private static func isTraces(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return true
        }
        return path.hasSuffix(".trace") || TraceMagic.starts(path)
    }
}
