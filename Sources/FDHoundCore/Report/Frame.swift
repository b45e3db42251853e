// One frame of a reported stack, as every format shows it. Part of the JSON contract.

/// A source-level frame. Inlined calls give several frames for one address (all but the last `inlined`).
public struct Frame: Codable, Equatable, Hashable, Sendable {
    /// Function name (demangled); nil when unknown (then `module`+`address` identify the frame).
    @NullEncoded public var function: String? = nil
    /// Source file path as recorded in the debug info.
    @NullEncoded public var file: String? = nil
    @NullEncoded public var line: Int? = nil
    @NullEncoded public var column: Int? = nil
    /// Path of the object file; "[unknown]" when no recorded module held the address.
    public var module: String
    /// "0x…": the module-relative address given to the symbolizer (return addresses already minus 1), so
    /// `llvm-symbolizer --obj=MODULE ADDRESS` reproduces the frame. Absolute when `module` is unknown.
    public var address: String
    /// True for a frame inlined into the next one.
    public var inlined: Bool
    /// Native frames: whether the module's debug info (its own, or a separate file found by build-id or
    /// debuglink) covered this address. False for a stripped library: only its symbol table was read, so
    /// `function` stays nil and the symbol name is a hint (`nearSymbol`). Nil when not asked (Python
    /// frames, frames left unsymbolized, no answer at all).
    @NullEncoded public var debugInfo: Bool? = nil
    /// Without debug info: the symbol-table name whose extent holds the address (an exported function of a
    /// stripped library). A hint, not the function: static functions are absent from such a table and may
    /// be inlined into it, so the code may be another function's. Shown as "near NAME".
    @NullEncoded public var nearSymbol: String? = nil

    public init(function: String? = nil, file: String? = nil, line: Int? = nil, column: Int? = nil,
                module: String, address: String, inlined: Bool = false, debugInfo: Bool? = nil,
                nearSymbol: String? = nil) {
        self.function = function
        self.file = file
        self.line = line
        self.column = column
        self.module = module
        self.address = address
        self.inlined = inlined
        self.debugInfo = debugInfo
        self.nearSymbol = nearSymbol
    }

    /// The function, else the symbol-table hint: for analyses that match names (finalizer detection), which
    /// may rely on an exported name where the report must not present it as the function.
    public var functionOrNearSymbol: String? { function ?? nearSymbol }

    /// The last path component of `module` ("libc.so.6").
    public var moduleName: String {
        module.split(separator: "/").last.map(String.init) ?? module
    }

    /// "file.c:24" (basename), or nil without a file.
    public var shortLocation: String? {
        guard let file else { return nil }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return line.map { "\(name):\($0)" } ?? name
    }

    /// "/full/path/file.c:24:13", or nil without a file.
    public var fullLocation: String? {
        guard let file else { return nil }
        var text = file
        if let line { text += ":\(line)" }
        if line != nil, let column { text += ":\(column)" }
        return text
    }
}
