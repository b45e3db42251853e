// Decodes one line of `llvm-symbolizer --output-style=JSON` output, e.g.
//   {"Address":"0x114b","ModuleName":"/tmp/t","Symbol":[{"FunctionName":"f","FileName":"/tmp/t.c","Line":3,"Column":54,...}]}
// or {"Address":"0x10","ModuleName":"/x","Error":{"Message":"No such file or directory"}} (checked with LLVM 14 and 21).
import Foundation

struct LLVMSymbolizerResponse: Decodable {
    struct Entry: Decodable {
        let FunctionName: String?
        let FileName: String?
        let Line: Int?
        let Column: Int?
    }

    let Symbol: [Entry]?

    /// Frames innermost first; empty when llvm-symbolizer knew nothing (error, or "??"/"" everywhere).
    var frames: [SymbolizedFrame] {
        let frames = (Symbol ?? []).map { entry in
            let file = Self.meaningful(entry.FileName)
            let line = entry.Line.flatMap { $0 > 0 ? $0 : nil }
            let function = Self.meaningful(entry.FunctionName).map(SwiftDemangler.demangle)
            // A name with neither file nor line: llvm-symbolizer found no debug info for the address and
            // named the symbol-table entry whose extent holds it (size-checked).
            return SymbolizedFrame(function: function, file: file, line: line,
                                   column: entry.Column.flatMap { $0 > 0 ? $0 : nil },
                                   fromSymbolTable: function != nil && file == nil && line == nil)
        }
        return frames.contains { $0.function != nil || $0.file != nil } ? frames : []
    }

    /// llvm-symbolizer writes "" (JSON) or "??" (text style) for unknown names.
    private static func meaningful(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value != "??" else { return nil }
        return value
    }

    /// Decodes one output line; nil if it is not a response object.
    static func decode(_ line: Substring) -> LLVMSymbolizerResponse? {
        try? JSONDecoder().decode(LLVMSymbolizerResponse.self, from: Data(line.utf8))
    }
}
