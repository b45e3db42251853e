// Finds an llvm-symbolizer binary: $FDHOUND_SYMBOLIZER, then PATH, then the Swift toolchain and Debian's
// locations (the newest /usr/lib/llvm-N first).
import Foundation

public enum SymbolizerLocator {
    /// The first executable llvm-symbolizer found, or nil.
    public static func llvmSymbolizer(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        candidates(environment: environment).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Every place looked at, in order (exposed for tests and for error messages).
    static func candidates(environment: [String: String]) -> [String] {
        var result = [String]()
        if let explicit = environment["FDHOUND_SYMBOLIZER"], !explicit.isEmpty {
            // An explicit choice is the only choice: a typo should not silently pick another tool.
            return [explicit]
        }
        for directory in (environment["PATH"] ?? "").split(separator: ":") where !directory.isEmpty {
            result.append("\(directory)/llvm-symbolizer")
        }
        result.append("/opt/swift/usr/bin/llvm-symbolizer")
        result.append("/usr/bin/llvm-symbolizer")
        let llvmRoots = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib"))?
            .filter { $0.hasPrefix("llvm-") }
            .sorted { (Int($0.dropFirst(5)) ?? 0) > (Int($1.dropFirst(5)) ?? 0) } ?? []
        result += llvmRoots.map { "/usr/lib/\($0)/bin/llvm-symbolizer" }
        return result
    }
}
