// A scratch directory per test, removed by the caller (or left in /tmp for inspection when a test fails).
import Foundation

public enum TemporaryDirectory {
    /// Creates a fresh directory under the system temporary directory.
    public static func make(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fdhound-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
