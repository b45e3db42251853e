// One traced execution: checks the command can be preloaded, prepares the output directory, sets the
// shim's environment (documented in docs/ARCHITECTURE.md) and runs the command. Shared by `run` and `demo`.
import FDHoundCore
import Foundation

struct TraceSession {
    enum SetupError: Error, CustomStringConvertible {
        case commandNotFound(String)
        case staticExecutable(String)
        case notExecutable(String)
        case shimNotFound
        case outputDirectory(String, String)

        var description: String {
            switch self {
            case .commandNotFound(let command):
                return "cannot trace \(command): command not found"
            case .staticExecutable(let command):
                return "cannot trace \(command): it is statically linked, so LD_PRELOAD cannot load fdhound's "
                    + "shim into it (trace a dynamically linked build, or use strace -f -e trace=desc)"
            case .notExecutable(let reason):
                return "cannot trace: \(reason)"
            case .shimNotFound:
                return "cannot find libfdhound.so (set FDHOUND_SHIM, or build it with tools/build)"
            case .outputDirectory(let path, let reason):
                return "cannot use output directory \(path): \(reason)"
            }
        }
    }

    let command: [String]
    let outputDirectory: URL
    var stackDepth: Int?
    var eventCapacity: Int?
    /// Always-on mode's FDHOUND_* settings (ShimSettings.alwaysOn); empty: full mode.
    var sampling: [(String, String)] = []

    init(command: [String], outputDirectory: String, stackDepth: Int? = nil, eventCapacity: Int? = nil) {
        self.command = command
        self.outputDirectory = URL(fileURLWithPath: outputDirectory).standardizedFileURL
        self.stackDepth = stackDepth
        self.eventCapacity = eventCapacity
    }

    /// Runs the command traced; returns how it ended. Old traces in the directory are removed first so a
    /// report never mixes two runs.
    func run() throws -> TracedProcess.Termination {
        switch ExecutableInspector.inspect(command[0]) {
        case .dynamic, .script: break
        case .staticExecutable: throw SetupError.staticExecutable(command[0])
        case .notFound: throw SetupError.commandNotFound(command[0])
        case .notExecutable(let reason): throw SetupError.notExecutable(reason)
        }
        guard let shim = ShimLocator.shimPath() else { throw SetupError.shimNotFound }
        try prepareOutputDirectory()

        var environment = ProcessInfo.processInfo.environment
        let preload = environment["LD_PRELOAD"].map { $0.isEmpty ? shim : "\(shim) \($0)" } ?? shim
        environment["LD_PRELOAD"] = preload
        environment["FDHOUND_OUTPUT_DIR"] = outputDirectory.path
        if let stackDepth { environment["FDHOUND_STACK_DEPTH"] = String(stackDepth) }
        if let eventCapacity { environment["FDHOUND_EVENT_CAPACITY"] = String(eventCapacity) }
        for (name, value) in sampling { environment[name] = value }
        if environment["FDHOUND_PYTHON_HELPER"] != "0", PythonHelper.runsPyPy(command[0]), let helper = PythonHelper.directory(besideShim: shim) {
            environment["PYTHONPATH"] = PythonHelper.pythonPath(helper: helper, existing: environment["PYTHONPATH"])
        }
        return try TracedProcess(arguments: command, environment: environment).run()
    }

    /// Creates the directory if needed and removes the previous run's traces from it. Policy (README): only
    /// regular files named `fdhound.*.trace` that hold a trace (or one cut short at start-up) are removed,
    /// one by one with unlink(2), never recursively; anything else with such a name — a directory, symlink,
    /// FIFO or a file that is not a trace — makes `run` refuse before the command starts. Other files in
    /// the directory are left alone.
    private func prepareOutputDirectory() throws {
        let fm = FileManager.default
        let names: [String]
        do {
            try fm.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            names = try fm.contentsOfDirectory(atPath: outputDirectory.path)
        } catch {
            throw SetupError.outputDirectory(outputDirectory.path, error.localizedDescription)
        }
        let old = names.filter { $0.hasPrefix("fdhound.") && $0.hasSuffix(".trace") }.sorted()
            .map { outputDirectory.appendingPathComponent($0).path }
        for path in old {
            if let problem = ReplaceableTrace.whyNotReplaceable(path) {
                throw SetupError.outputDirectory(outputDirectory.path, "\((path as NSString).lastPathComponent) is "
                    + "\(problem), not an old trace; fdhound only replaces its own traces (move it or choose another -o)")
            }
        }
        for path in old where unlink(path) != 0 && errno != ENOENT {
            throw SetupError.outputDirectory(outputDirectory.path, "cannot remove the old trace \(path): "
                + String(cString: strerror(errno)))
        }
    }
}
