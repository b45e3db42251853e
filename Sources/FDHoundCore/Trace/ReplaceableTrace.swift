// Decides whether `fdhound run -o DIR` may delete a file it finds in DIR: only what a shim wrote (a regular
// file starting with the trace magic, or one cut short at start-up), never a directory, symlink, FIFO or a
// user's file that merely has a trace-like name.
import CFDHoundTrace
import Foundation

public enum ReplaceableTrace {
    /// nil when `path` is an old fdhound trace that may be removed; otherwise what it is instead.
    public static func whyNotReplaceable(_ path: String) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return String(cString: strerror(errno)).lowercased() }
        guard status.st_mode & S_IFMT == S_IFREG else { return RegularFile.typeName(status) }
        // O_NOFOLLOW and O_NONBLOCK: if the name was swapped since lstat, refuse rather than follow or block.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return String(cString: strerror(errno)).lowercased() }
        defer { close(fd) }
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return "not a regular file" }
        var start = [UInt8](repeating: 0, count: Int(FDH_MAGIC_LENGTH))
        let count = start.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { return String(cString: strerror(errno)).lowercased() }
        let bytes = Array(start.prefix(count))
        if bytes == Array(FDH_MAGIC_STRING.utf8) || TraceSet.setUpNeverFinished(bytes) != nil { return nil }
        return "a file that is not an fdhound trace"
    }
}
