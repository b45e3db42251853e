// Finds the files the CLI ships with: the preloaded shim (libfdhound.so) and the demo program. Installed
// layout is PREFIX/bin/fdhound + PREFIX/lib/fdhound/*; tools/build puts them next to the binary; in a source
// checkout the shim is found at shim/build/ above the build directory.
import Foundation

enum ShimLocator {
    /// The shim to preload: $FDHOUND_SHIM, else the first bundled copy found near the executable.
    static func shimPath() -> String? {
        if let explicit = ProcessInfo.processInfo.environment["FDHOUND_SHIM"], !explicit.isEmpty {
            return explicit
        }
        return bundledFile(named: "libfdhound.so", sourceTreePath: "shim/build/libfdhound.so")
    }

    /// The demo program traced by `fdhound demo`.
    static func demoProgramPath() -> String? {
        bundledFile(named: "fdhound-demo-leaky", sourceTreePath: nil)
    }

    /// Looks beside the executable, in ../lib/fdhound, then (for a source checkout) in ancestors.
    private static func bundledFile(named name: String, sourceTreePath: String?) -> String? {
        let exe = URL(fileURLWithPath: executablePath()).resolvingSymlinksInPath()
        let dir = exe.deletingLastPathComponent()
        var candidates = [
            dir.appendingPathComponent(name),
            dir.deletingLastPathComponent().appendingPathComponent("lib/fdhound/\(name)"),
        ]
        if let sourceTreePath {
            var ancestor = dir
            for _ in 0..<5 {
                ancestor = ancestor.deletingLastPathComponent()
                candidates.append(ancestor.appendingPathComponent(sourceTreePath))
            }
        }
        return candidates.map(\.path).first { FileManager.default.isReadableFile(atPath: $0) }
    }

    private static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return path
        }
        return CommandLine.arguments[0]
    }
}
