// Demangles Swift symbol names in process through the runtime's exported `swift_demangle`; llvm-symbolizer
// --demangle only knows C++ (Itanium) names.
import Foundation

enum SwiftDemangler {
    private typealias DemangleFunction = @convention(c) (
        UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?, UInt32
    ) -> UnsafeMutablePointer<CChar>?

    /// Looked up once with dlsym: libswiftCore is loaded in every Swift process, so this only fails on an
    /// unusual runtime, and then names stay mangled.
    private static let function: DemangleFunction? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "swift_demangle") else { return nil }
        return unsafeBitCast(symbol, to: DemangleFunction.self)
    }()

    /// True for the Swift mangling prefixes ($s, _$s, $S, _T0 and the like).
    static func looksMangled(_ name: String) -> Bool {
        ["$s", "_$s", "$S", "_$S", "$e", "_$e", "_T0"].contains { name.hasPrefix($0) }
    }

    /// The demangled name, or `name` itself when it is not a Swift name or cannot be demangled.
    static func demangle(_ name: String) -> String {
        guard looksMangled(name), let function else { return name }
        let utf8 = Array(name.utf8CString)
        guard let result = utf8.withUnsafeBufferPointer({ function($0.baseAddress, utf8.count - 1, nil, nil, 0) })
        else { return name }
        defer { free(result) }
        return String(cString: result)
    }
}
