// Reads (or maps) a file only if it is a regular file. A FIFO, socket, device or directory that happens to be
// named like a trace (or a baseline) is refused with a message, never waited on: a plain open(2) of a FIFO
// with no writer blocks forever, and reading a device can have side effects or never end.
import Foundation

/// Why a file could not be read; `message` is lower-case, without the path.
public struct RegularFileError: Error, Equatable {
    public let message: String
    /// True when the path exists but is not a regular file (a FIFO, socket, device, directory).
    public let notRegular: Bool
    /// True when nothing is there (ENOENT): removed since it was listed, or a dangling symlink.
    public var missing: Bool = false
}

public enum RegularFile {
    /// A handle for reading `path`, if it is a regular file (same checks as `read`); the caller closes it.
    /// For readers of parts of a file: ELF headers of modules and commands (a name may be a FIFO by now).
    public static func handle(_ path: String) throws(RegularFileError) -> FileHandle {
        let fd = try openRegular(path)
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// The whole contents of `path`, if it is a regular file.
    ///
    /// The type is checked with stat(2) before opening (so a device is never opened) and again with
    /// fstat(2) on the descriptor, which is opened O_NONBLOCK: if the name was swapped for a FIFO in
    /// between, the open returns at once and fstat refuses it.
    static func read(_ path: String) throws(RegularFileError) -> [UInt8] {
        let fd = try openRegular(path)
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(errno) }
        // Read until end of file: a trace still being written may grow or shrink while it is read.
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(clamping: status.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// `path` mapped read-only, if it is a regular file (same checks as `read`). Traces are mapped, not
    /// read: a sparse 1 GB trace that recorded little costs only the pages read (see TraceBytes).
    static func map(_ path: String) throws(RegularFileError) -> TraceBytes {
        let fd = try openRegular(path)
        defer { close(fd) }
        return try TraceBytes(mapping: fd)
    }

    /// A read-only descriptor of `path`, checked to be a regular file before and after the open.
    private static func openRegular(_ path: String) throws(RegularFileError) -> Int32 {
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure(errno) }
        guard isRegular(status) else { throw notRegular(status) }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw failure(errno) }
        guard fstat(fd, &status) == 0, isRegular(status) else {
            let problem = isRegular(status) ? failure(errno) : notRegular(status)
            close(fd)
            throw problem
        }
        return fd
    }

    /// "a FIFO", "a socket"…: what a path is when it is not a regular file.
    static func typeName(_ status: stat) -> String {
        switch status.st_mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        default: return "of an unknown type"
        }
    }

    private static func isRegular(_ status: stat) -> Bool { status.st_mode & S_IFMT == S_IFREG }

    private static func notRegular(_ status: stat) -> RegularFileError {
        RegularFileError(message: "not a regular file (\(typeName(status)))", notRegular: true)
    }

    static func failure(_ code: Int32) -> RegularFileError {
        RegularFileError(message: String(cString: strerror(code)).lowercased(), notRegular: false, missing: code == ENOENT)
    }
}
