// Symbolizes many stacks with ONE symbolizer call (one llvm-symbolizer run per report), then expands each
// address into its source frames, inlined ones first.

enum StackSymbolization {
    /// `[Frame]` for every stack, in order. Stacks whose index is not in `symbolize` stay module+offset
    /// (the report caps how many code paths it symbolizes).
    static func frames(for stacks: [[AddressFrame]], symbolize: Set<Int>, using symbolizer: Symbolizer) -> [[Frame]] {
        var requests = [SymbolRequest]()
        var requestIndex = [SymbolRequest: Int]()
        for (index, stack) in stacks.enumerated() where symbolize.contains(index) {
            for frame in stack {
                guard let request = frame.request, requestIndex[request] == nil else { continue }
                requestIndex[request] = requests.count
                requests.append(request)
            }
        }
        let results = requests.isEmpty ? [] : symbolizer.symbolize(requests)
        return stacks.enumerated().map { index, stack in
            stack.flatMap { frame -> [Frame] in
                guard symbolize.contains(index), let request = frame.request,
                      let position = requestIndex[request], position < results.count,
                      !results[position].isEmpty else {
                    return [frame.unsymbolized]
                }
                let symbols = results[position]
                let base = frame.unsymbolized
                return symbols.enumerated().map { offset, symbol in
                    Frame(function: symbol.function, file: symbol.file, line: symbol.line, column: symbol.column,
                          module: base.module, address: base.address, inlined: offset < symbols.count - 1)
                }
            }
        }
    }
}
