// Whether a path names an fdhound trace by its content: `fdhound check PATH` tells a trace file from a
// program to run by the 8-byte magic, read through RegularFile (a FIFO is never opened for reading).
import CFDHoundTrace
import Foundation

public enum TraceMagic {
    /// True when `path` is a regular file that starts with the trace magic ("FDHTRACE").
    public static func starts(_ path: String) -> Bool {
        guard let handle = try? RegularFile.handle(path) else { return false }
        defer { try? handle.close() }
        let magic = Array(FDH_MAGIC_STRING.utf8)
        guard let head = try? handle.read(upToCount: magic.count) else { return false }
        return Array(head) == magic
    }
}
