// Remembers what a symbolizer answered for the whole of one report, so the passes that run after the leak
// pass (evidence snapshots, time left) — whose code paths are mostly the leak groups' own — ask the real
// symbolizer only for addresses nobody asked for yet, and not at all when there are none.

final class CachingSymbolizer: Symbolizer {
    private let inner: Symbolizer
    private var known = [SymbolRequest: [SymbolizedFrame]]()

    /// Answers remembered (`fdhound metrics` starts a new cache past a bound).
    var entries: Int { known.count }

    init(_ inner: Symbolizer) {
        self.inner = inner
    }

    func symbolize(_ requests: [SymbolRequest]) -> [[SymbolizedFrame]] {
        var fresh = [SymbolRequest]()
        var seen = Set<SymbolRequest>()
        for request in requests where known[request] == nil && seen.insert(request).inserted {
            fresh.append(request)
        }
        if !fresh.isEmpty {
            let answers = inner.symbolize(fresh)
            for (index, request) in fresh.enumerated() {
                known[request] = index < answers.count ? answers[index] : []
            }
        }
        return requests.map { known[$0] ?? [] }
    }
}
