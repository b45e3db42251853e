// fdhound's Python helper (shim/python-helper/sitecustomize.py) for runtimes whose Python frames the shim
// cannot walk: when the traced command is PyPy (its executable, or a script's #! interpreter, is named
// pypy*), `run` puts the helper's directory first on PYTHONPATH. CPython commands are left alone: their
// environment is the program's own.
import Foundation

enum PythonHelper {
    /// The helper's directory for a shim at `shim`: python-helper beside it (installed, tools/build), or
    /// one level up (a checkout: shim/build/libfdhound.so → shim/python-helper).
    static func directory(besideShim shim: String) -> String? {
        let dir = URL(fileURLWithPath: shim).resolvingSymlinksInPath().deletingLastPathComponent()
        return [dir, dir.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("python-helper").path }
            .first { FileManager.default.isReadableFile(atPath: $0 + "/sitecustomize.py") }
    }

    /// Whether `command` runs PyPy: the resolved executable, or the interpreter of its #! line (also
    /// through `/usr/bin/env pypy3`), has a name starting with "pypy".
    static func runsPyPy(_ command: String) -> Bool {
        guard let path = ExecutableInspector.resolve(command) else { return false }
        if isPyPyName(URL(fileURLWithPath: path).resolvingSymlinksInPath().lastPathComponent) { return true }
        guard case .script = ExecutableInspector.inspect(path),
              let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 256)) ?? Data()
        let words = String(decoding: head.prefix { $0 != UInt8(ascii: "\n") }.dropFirst(2), as: UTF8.self)
            .split(separator: " ").map(String.init)
        guard let interpreter = words.first else { return false }
        if URL(fileURLWithPath: interpreter).lastPathComponent == "env" {
            return words.dropFirst().first { !$0.hasPrefix("-") }.map(isPyPyName) ?? false
        }
        return isPyPyName(URL(fileURLWithPath: interpreter).resolvingSymlinksInPath().lastPathComponent)
    }

    private static func isPyPyName(_ name: String) -> Bool {
        name.split(separator: "/").last.map { $0.hasPrefix("pypy") } ?? false
    }

    /// PYTHONPATH with the helper first (an empty or missing one stays empty otherwise: an empty entry
    /// would add the current directory).
    static func pythonPath(helper: String, existing: String?) -> String {
        guard let existing, !existing.isEmpty else { return helper }
        return helper + ":" + existing
    }
}
