// Decides, before launching, whether LD_PRELOAD can reach a command: resolves it on PATH and reads its ELF
// program headers. A static executable has no PT_INTERP, so the dynamic loader (which honours LD_PRELOAD)
// never runs in it and the shim would silently trace nothing.
import FDHoundCore
import Foundation

enum Preloadability: Equatable {
    case dynamic                 // ELF with a program interpreter: the shim will load
    case script(interpreter: String)
    case staticExecutable
    case notFound
    case notExecutable(reason: String)
}

enum ExecutableInspector {
    /// Resolves `command` like execvp does: as a path when it contains "/", else through $PATH.
    static func resolve(_ command: String) -> String? {
        if command.contains("/") {
            return FileManager.default.isExecutableFile(atPath: command) ? command : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + command
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func inspect(_ command: String) -> Preloadability {
        guard let path = resolve(command) else { return .notFound }
        let handle: FileHandle
        do {
            handle = try RegularFile.handle(path) // a FIFO with the exec bit would block a plain open
        } catch {
            return .notExecutable(reason: "cannot read \(path): \(error.message)")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        if head.starts(with: Array("#!".utf8)) {
            let line = head.prefix { $0 != UInt8(ascii: "\n") }.dropFirst(2)
            let interpreter = String(decoding: line, as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)
                .split(separator: " ").first.map(String.init) ?? ""
            return .script(interpreter: interpreter)
        }
        guard head.count >= 64, head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else {
            return .notExecutable(reason: "\(path) is neither an ELF executable nor a script")
        }
        guard head[4] == 2, head[5] == 1 else {
            return .notExecutable(reason: "\(path) is not a 64-bit little-endian ELF file")
        }
        let phoff = Int(readLE(head, at: 32, bytes: 8))
        let phentsize = Int(readLE(head, at: 54, bytes: 2))
        let phnum = Int(readLE(head, at: 56, bytes: 2))
        guard phentsize >= 4, phnum > 0 else { return .staticExecutable }
        try? handle.seek(toOffset: UInt64(phoff))
        let headers = (try? handle.read(upToCount: phentsize * phnum)) ?? Data()
        let ptInterp: UInt64 = 3
        for index in 0..<phnum where (index + 1) * phentsize <= headers.count {
            if readLE(headers, at: index * phentsize, bytes: 4) == ptInterp { return .dynamic }
        }
        return .staticExecutable
    }

    private static func readLE(_ data: Data, at offset: Int, bytes: Int) -> UInt64 {
        var value: UInt64 = 0
        let base = data.startIndex + offset
        for i in 0..<bytes { value |= UInt64(data[base + i]) << (8 * UInt64(i)) }
        return value
    }
}
