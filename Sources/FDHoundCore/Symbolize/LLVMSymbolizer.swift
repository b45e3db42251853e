// The primary symbolizer: llvm-symbolizer fed `"<path>" 0x<file address>` lines (or `BUILDID:<hex> 0x…`
// when the file is gone), one process per batch, with results cached per (module, address). Chosen on
// measurements (shared/notes/unwinding-and-symbolization.md): inlined frames with GCC's DWARF 5, separate
// debug files by build-id, size-checked .dynsym names, 10k addresses in ~0.2 s.
import Foundation

/// Symbolizes through an `llvm-symbolizer` subprocess; unknown addresses degrade to module+offset.
public final class LLVMSymbolizer: Symbolizer {
    /// The llvm-symbolizer binary this instance runs.
    public let executablePath: String
    /// Seconds a batch may take before the process is ended (its unanswered addresses stay unresolved).
    public var timeout: TimeInterval = 300
    /// Extra roots of separate debug files (each holding `.build-id/xx/yyyy.debug`, or debuglink targets),
    /// looked in before the system's /usr/lib/debug; from FDHOUND_DEBUG_FILE_DIRECTORY (colon-separated).
    public var debugFileDirectories: [String] = []

    /// The system's root of separate debug files (Debian's *-dbg / *-dbgsym packages install there).
    static let systemDebugFileDirectory = "/usr/lib/debug"

    private var cache: [SymbolRequest: [SymbolizedFrame]] = [:]

    public init(executablePath: String) {
        self.executablePath = executablePath
    }

    /// An instance using the llvm-symbolizer `SymbolizerLocator` finds, or nil if there is none.
    public convenience init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = SymbolizerLocator.llvmSymbolizer(environment: environment) else { return nil }
        self.init(executablePath: path)
        debugFileDirectories = (environment["FDHOUND_DEBUG_FILE_DIRECTORY"] ?? "")
            .split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    /// llvm-symbolizer's arguments: naming any debug-file directory replaces its default, so the system's
    /// is named last whenever others are given.
    var arguments: [String] {
        let directories = debugFileDirectories.isEmpty ? [] : debugFileDirectories + [Self.systemDebugFileDirectory]
        return ["--output-style=JSON", "--inlining", "--demangle"] + directories.map { "--debug-file-directory=" + $0 }
    }

    public func symbolize(_ requests: [SymbolRequest]) -> [[SymbolizedFrame]] {
        var pending = [SymbolRequest]()
        var lines = [String]()
        var seen = Set<SymbolRequest>()
        for request in requests where cache[request] == nil && seen.insert(request).inserted {
            if let line = Self.query(for: request) {
                pending.append(request)
                lines.append(line)
            } else {
                cache[request] = []
            }
        }
        if !pending.isEmpty {
            let output = LLVMSymbolizerProcess.run(executable: executablePath, arguments: arguments,
                                                   input: lines.joined(separator: "\n") + "\n",
                                                   timeout: timeout) ?? []
            // llvm-symbolizer answers every input line with exactly one JSON line, in order.
            for (index, request) in pending.enumerated() {
                let response = index < output.count ? LLVMSymbolizerResponse.decode(output[index]) : nil
                cache[request] = response?.frames ?? []
            }
        }
        return requests.map { cache[$0] ?? [] }
    }

    /// The input line for a request, or nil when llvm-symbolizer cannot be asked about it.
    static func query(for request: SymbolRequest) -> String? {
        let address = "0x" + String(request.address, radix: 16)
        let path = request.modulePath
        // The input syntax has no escapes: a path with a quote or line break cannot be passed safely.
        let quotable = !path.contains("\"") && !path.contains("\n") && !path.contains("\r")
        if quotable && path.hasPrefix("/") && FileManager.default.fileExists(atPath: path)
            && !ModuleFileCheck.changedSinceTraced(path: path, buildID: request.buildID) {
            return "\"\(path)\" \(address)"
        }
        if let buildID = request.buildID, !buildID.isEmpty, buildID.allSatisfy(\.isHexDigit) {
            return "BUILDID:\(buildID) \(address)"
        }
        return nil
    }
}
