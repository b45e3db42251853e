// What the ELF readers (ELFBuildID, ELFExportedFunctions) share: bounds-checked little-endian reads of a
// file's bytes, and a per-path cache of what was read from a file (symbolization may run on any thread, and
// the same module is asked about once per frame).
import Foundation

extension Data {
    /// A little-endian integer at a byte offset (0 when out of range: callers validate sizes first).
    func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        guard offset >= 0, offset + MemoryLayout<T>.size <= count else { return 0 }
        var value: T = 0
        for byte in 0..<MemoryLayout<T>.size {
            value |= T(self[startIndex + offset + byte]) << (8 * byte)
        }
        return value
    }
}

/// A lock-protected path → value cache; a value computed twice by racing threads is the same value.
final class PathKeyedCache<Value>: @unchecked Sendable {
    private var values = [String: Value]()
    private let lock = NSLock()

    func value(for path: String, compute: () -> Value) -> Value {
        lock.lock()
        if let known = values[path] { lock.unlock(); return known }
        lock.unlock()
        let computed = compute()
        lock.lock()
        values[path] = computed
        lock.unlock()
        return computed
    }
}
