// The symbolizer used when no real one is available: every address stays module+offset.

/// Resolves nothing; the report shows module+offset for every frame.
public struct NullSymbolizer: Symbolizer {
    public init() {}

    public func symbolize(_ requests: [SymbolRequest]) -> [[SymbolizedFrame]] {
        Array(repeating: [], count: requests.count)
    }
}
