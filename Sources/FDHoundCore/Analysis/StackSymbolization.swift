// Symbolizes many stacks with ONE symbolizer call (one llvm-symbolizer run per report), then expands each
// address into its source frames, inlined ones first.

import Foundation

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
                      let position = requestIndex[request], position < results.count else {
                    return [frame.unsymbolized]
                }
                guard !results[position].isEmpty else { return [strippedModuleFrame(frame.unsymbolized, request)] }
                let symbols = results[position]
                let base = frame.unsymbolized
                return symbols.enumerated().map { offset, symbol in
                    // Without debug info the symbol-table name is a hint, never the frame's function.
                    Frame(function: symbol.fromSymbolTable ? nil : symbol.function, file: symbol.file,
                          line: symbol.line, column: symbol.column, module: base.module, address: base.address,
                          inlined: offset < symbols.count - 1, debugInfo: !symbol.fromSymbolTable,
                          nearSymbol: symbol.fromSymbolTable ? symbol.function : nil)
                }
            }
        }
    }

    /// A frame nothing could name: when its module (still the traced file) has no debug info of its own,
    /// it says so, with the nearest exported function as a hint (a static function of a stripped library).
    static func strippedModuleFrame(_ frame: Frame, _ request: SymbolRequest) -> Frame {
        guard request.modulePath.hasPrefix("/"), FileManager.default.fileExists(atPath: request.modulePath),
              !ModuleFileCheck.changedSinceTraced(path: request.modulePath, buildID: request.buildID),
              let exports = ELFExportedFunctions.of(path: request.modulePath), !exports.hasDebugInfo else { return frame }
        var frame = frame
        frame.debugInfo = false
        frame.nearSymbol = exports.hint(for: request.address)
        return frame
    }
}
