// A symbolizer that answers every address with one frame of no name, so a report reads nothing of this
// machine (no debug info, no library's exported symbols for "no debug info, near …" hints): what the golden
// snapshots need to come out the same everywhere. NullSymbolizer answers nothing, which makes the report
// look at the module files on disk instead.
import FDHoundCore

public struct UnnamedFramesSymbolizer: Symbolizer {
    public init() {}

    public func symbolize(_ requests: [SymbolRequest]) -> [[SymbolizedFrame]] {
        requests.map { _ in [SymbolizedFrame(function: nil)] }
    }
}
