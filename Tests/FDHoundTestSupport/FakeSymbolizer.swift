// A symbolizer answering from a table, recording what it was asked: unit tests control names exactly and
// can check that a report symbolizes in one batch and only what it needs.
import FDHoundCore

public final class FakeSymbolizer: Symbolizer {
    /// (module basename, module-relative address) → frames, innermost first.
    public var table: [String: [SymbolizedFrame]] = [:]
    /// Every batch received.
    public private(set) var batches: [[SymbolRequest]] = []

    public init() {}

    /// Declares the frames for `address` in the module whose path ends in `module`.
    public func define(_ module: String, _ address: UInt64, _ frames: [SymbolizedFrame]) {
        table[Self.key(module, address)] = frames
    }

    /// Shorthand for one non-inlined frame.
    public func define(_ module: String, _ address: UInt64, function: String, file: String? = nil, line: Int? = nil) {
        define(module, address, [SymbolizedFrame(function: function, file: file, line: line, column: line == nil ? nil : 5)])
    }

    public func symbolize(_ requests: [SymbolRequest]) -> [[SymbolizedFrame]] {
        batches.append(requests)
        return requests.map { request in
            let name = request.modulePath.split(separator: "/").last.map(String.init) ?? request.modulePath
            return table[Self.key(name, request.address)] ?? []
        }
    }

    private static func key(_ module: String, _ address: UInt64) -> String { "\(module)@\(address)" }
}
