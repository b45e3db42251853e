// A scratch directory for the traces of `check` and `demo` when no -o is given: made by mkdtemp(3), so
// its name is unpredictable, it is created fresh with mode 0700 and a planted symlink or directory of the
// same name makes creation fail instead of being followed or reused.
import Foundation

enum PrivateTemporaryDirectory {
    struct CreationError: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates `$TMPDIR/<prefix>XXXXXX` (or under /tmp) and returns its path.
    static func make(prefix: String) throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/\(prefix)XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard created != nil else {
            throw CreationError(description: "cannot create a temporary directory under \(base): "
                + String(cString: strerror(errno)))
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
