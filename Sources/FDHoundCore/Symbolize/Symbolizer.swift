// The symbolizer seam: turn (module, module-relative address) into function/file/line frames. Reports are
// built against this protocol so tests can inject a fake and a missing tool degrades to module+offset.

/// One address to symbolize.
public struct SymbolRequest: Hashable, Sendable {
    /// Path of the object file as the traced process's loader named it.
    public var modulePath: String
    /// GNU build-id (lower-case hex), used when the file at `modulePath` is gone.
    public var buildID: String?
    /// File virtual address: runtime address (minus 1 for return addresses) minus the load bias.
    public var address: UInt64

    public init(modulePath: String, buildID: String? = nil, address: UInt64) {
        self.modulePath = modulePath
        self.buildID = buildID
        self.address = address
    }
}

/// One source-level frame for an address. Several per address when calls were inlined.
public struct SymbolizedFrame: Equatable, Hashable, Sendable {
    public var function: String?
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// True when the name came from the module's symbol table, not its debug info (a stripped module
    /// without separate debug info): no file or line, and the name is only the symbol holding the address.
    public var fromSymbolTable: Bool

    public init(function: String?, file: String? = nil, line: Int? = nil, column: Int? = nil,
                fromSymbolTable: Bool = false) {
        self.function = function
        self.file = file
        self.line = line
        self.column = column
        self.fromSymbolTable = fromSymbolTable
    }
}

/// Resolves addresses to source frames.
public protocol Symbolizer {
    /// One result per request, in order. Each result lists the frames at that address innermost first:
    /// inlined callees before the function that contains them (the last element is the real function).
    /// An empty result means "unknown": the report shows module+offset.
    func symbolize(_ requests: [SymbolRequest]) -> [[SymbolizedFrame]]
}
