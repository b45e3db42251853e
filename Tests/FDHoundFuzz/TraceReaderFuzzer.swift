// The libFuzzer entry point for the trace reader (built by tools/fuzz with -sanitize=fuzzer and -DFUZZING,
// where libFuzzer supplies main). In an ordinary build the same binary replays files given as arguments
// through the same path, so a crashing input can be run and debugged without libFuzzer.
import FDHoundTestSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func traceReaderFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = TraceReadPath.exercise(bytes)
    return 0
}

#if !FUZZING
import Foundation

@main
enum TraceReaderReplay {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: fdhound-fuzz-trace-reader FILE...\n".utf8))
            exit(64)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
                exit(66)
            }
            print("\(path): \(TraceReadPath.exercise([UInt8](data)))")
        }
    }
}
#endif
