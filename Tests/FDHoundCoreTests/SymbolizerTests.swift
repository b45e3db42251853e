// Symbolization: llvm-symbolizer resolves a real function of a C program compiled here (name, file, line),
// through the whole report pipeline too; missing modules, a missing tool and NullSymbolizer degrade to
// module+offset; JSON responses and Swift names are decoded.
import CFDHoundTrace
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class SymbolizerTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory.make("symbolize")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Source of the probe program; the target function starts on line 3.
    private static let source = """
        #include <stdio.h>
        /* probe for fdhound's symbolizer tests */
        __attribute__((noinline)) int fdhound_probe_target(int x) {
            return x * 7;
        }
        int main(int argc, char **argv) { (void)argv; return fdhound_probe_target(argc); }

        """

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Compiles the probe with `cc -g -O0`; returns the binary and the target's file virtual address (nm).
    private func compileProbe() throws -> (binary: String, address: UInt64) {
        let sourcePath = directory.appendingPathComponent("probe.c").path
        try Self.source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let binary = directory.appendingPathComponent("probe").path
        guard try run(["cc", "-g", "-O0", "-o", binary, sourcePath]).status == 0 else {
            throw XCTSkip("no working C compiler")
        }
        let nm = try run(["nm", binary])
        guard nm.status == 0 else { throw XCTSkip("no nm") }
        let line = try XCTUnwrap(nm.output.split(separator: "\n").first { $0.hasSuffix(" fdhound_probe_target") })
        let address = try XCTUnwrap(UInt64(line.split(separator: " ")[0], radix: 16))
        return (binary, address)
    }

    private func llvmSymbolizer() throws -> LLVMSymbolizer {
        guard let symbolizer = LLVMSymbolizer() else { throw XCTSkip("llvm-symbolizer not installed") }
        return symbolizer
    }

    func testResolvesARealFunctionToNameFileAndLine() throws {
        let symbolizer = try llvmSymbolizer()
        let probe = try compileProbe()
        let result = symbolizer.symbolize([SymbolRequest(modulePath: probe.binary, address: probe.address)])
        XCTAssertEqual(result.count, 1)
        let frame = try XCTUnwrap(result.first?.last)
        XCTAssertEqual(frame.function, "fdhound_probe_target")
        XCTAssertTrue(frame.file?.hasSuffix("probe.c") ?? false, "\(String(describing: frame.file))")
        XCTAssertEqual(frame.line, 3)
    }

    func testBatchKeepsOrderAndDegradesMissingModules() throws {
        let symbolizer = try llvmSymbolizer()
        let probe = try compileProbe()
        let requests = [
            SymbolRequest(modulePath: probe.binary, address: probe.address),
            SymbolRequest(modulePath: "/nonexistent/libgone.so", address: 0x1000),
            SymbolRequest(modulePath: "/nonexistent/libgone2.so", buildID: "00112233445566778899aabbccddeeff00112233", address: 0x10),
            SymbolRequest(modulePath: "/weird\"path.so", address: 0x10),
            SymbolRequest(modulePath: probe.binary, address: probe.address),
        ]
        let results = symbolizer.symbolize(requests)
        XCTAssertEqual(results.count, 5)
        XCTAssertEqual(results[0].last?.function, "fdhound_probe_target")
        XCTAssertEqual(results[1], [])
        XCTAssertEqual(results[2], [])
        XCTAssertEqual(results[3], [])
        XCTAssertEqual(results[4], results[0])
    }

    func testResultsAreCachedPerModuleAndAddress() throws {
        let symbolizer = try llvmSymbolizer()
        let probe = try compileProbe()
        let request = SymbolRequest(modulePath: probe.binary, address: probe.address)
        let first = symbolizer.symbolize([request])
        try FileManager.default.removeItem(atPath: probe.binary)
        XCTAssertEqual(symbolizer.symbolize([request]), first, "answered from the cache, binary gone")
    }

    func testMissingToolDegradesEveryFrame() {
        let symbolizer = LLVMSymbolizer(executablePath: "/nonexistent/llvm-symbolizer")
        let results = symbolizer.symbolize([SymbolRequest(modulePath: "/bin/sh", address: 0x10),
                                            SymbolRequest(modulePath: "/bin/ls", address: 0x20)])
        XCTAssertEqual(results, [[], []])
    }

    func testNullSymbolizerResolvesNothing() {
        let results = NullSymbolizer().symbolize([SymbolRequest(modulePath: "/bin/sh", address: 1),
                                                  SymbolRequest(modulePath: "/bin/sh", address: 2)])
        XCTAssertEqual(results, [[], []])
    }

    /// The whole pipeline on a real binary: load bias and return-address adjustment land on the function.
    func testReportNamesTheRealFunctionThroughLoadBiasAndReturnAddress() throws {
        _ = try llvmSymbolizer()
        let probe = try compileProbe()
        let bias: UInt64 = 0x5555_5555_4000
        let b = TraceBuilder(pid: 31, executable: probe.binary)
        b.addModule(path: probe.binary, loadBias: bias, textStart: bias, textEnd: bias + 0x10_0000)
        b.addModule(path: "/nonexistent/libc.so.6", loadBias: 0x7f00_0000_0000, textStart: 0x7f00_0000_0000,
                    textEnd: 0x7f00_0010_0000)
        // innermost: inside libc (file gone), then a return address one byte past the target's first byte.
        let stack = b.stack([0x7f00_0000_1235, bias + probe.address + 1])
        b.open(fd: 3, path: "/etc/hostname", stack: stack)
        try b.write(into: directory)
        let report = try ReportBuilder.build(tracePath: directory.path, options: ReportOptions())
        let leak = try XCTUnwrap(report.leaks.first)
        XCTAssertEqual(leak.culprit.function, "fdhound_probe_target")
        XCTAssertEqual(leak.culprit.line, 3)
        XCTAssertEqual(leak.culprit.module, probe.binary)
        XCTAssertEqual(leak.culprit.address, "0x" + String(probe.address, radix: 16))
        XCTAssertNil(leak.stack[0].function, "missing libc file: module+offset")
        XCTAssertEqual(leak.stack[0].module, "/nonexistent/libc.so.6")
        XCTAssertEqual(leak.stack[0].address, "0x1234")
    }

    func testDecodesResponsesAndTreatsUnknownAsMissing() throws {
        let inlined = """
            {"Address":"0x10","ModuleName":"/a","Symbol":[{"Column":9,"Discriminator":0,"FileName":"/s/a.h","FunctionName":"inner","Line":4,"StartLine":2},{"Column":0,"FileName":"/s/a.c","FunctionName":"outer","Line":20}]}
            """
        let frames = try XCTUnwrap(LLVMSymbolizerResponse.decode(Substring(inlined))).frames
        XCTAssertEqual(frames, [SymbolizedFrame(function: "inner", file: "/s/a.h", line: 4, column: 9),
                                SymbolizedFrame(function: "outer", file: "/s/a.c", line: 20, column: nil)])
        let unknown = #"{"Address":"0x1","ModuleName":"/a","Symbol":[{"Column":0,"FileName":"","FunctionName":"","Line":0}]}"#
        XCTAssertEqual(LLVMSymbolizerResponse.decode(Substring(unknown))?.frames, [])
        let questionMarks = #"{"Symbol":[{"FileName":"??","FunctionName":"??","Line":0}]}"#
        XCTAssertEqual(LLVMSymbolizerResponse.decode(Substring(questionMarks))?.frames, [])
        let error = #"{"Address":"0x10","Error":{"Message":"No such file or directory"},"ModuleName":"/x"}"#
        XCTAssertEqual(LLVMSymbolizerResponse.decode(Substring(error))?.frames, [])
        XCTAssertNil(LLVMSymbolizerResponse.decode("not json"))
        let swift = #"{"Symbol":[{"FileName":"/s/m.swift","FunctionName":"$s4main3fooyyF","Line":3}]}"#
        XCTAssertEqual(LLVMSymbolizerResponse.decode(Substring(swift))?.frames.first?.function, "main.foo() -> ()")
    }

    func testANameWithoutFileOrLineComesFromTheSymbolTable() throws {
        // What llvm-symbolizer says for an exported function of a stripped library (checked with LLVM 14).
        let stripped = #"{"Address":"0x1139","ModuleName":"/l.so","Symbol":[{"Column":0,"FileName":"","FunctionName":"lib_exported_open","Line":0,"StartAddress":"0x1131"}]}"#
        XCTAssertEqual(LLVMSymbolizerResponse.decode(Substring(stripped))?.frames,
                       [SymbolizedFrame(function: "lib_exported_open", fromSymbolTable: true)])
        let withDebugInfo = #"{"Symbol":[{"FileName":"/s/l.c","FunctionName":"lib_exported_open","Line":3}]}"#
        XCTAssertEqual(LLVMSymbolizerResponse.decode(Substring(withDebugInfo))?.frames.first?.fromSymbolTable, false)
    }

    func testDebugFileDirectoriesComeBeforeTheSystemOne() {
        let symbolizer = LLVMSymbolizer(executablePath: "/bin/false")
        XCTAssertFalse(symbolizer.arguments.contains { $0.hasPrefix("--debug-file-directory") }, "default: llvm-symbolizer's own")
        symbolizer.debugFileDirectories = ["/tmp/d1", "/tmp/d2"]
        XCTAssertEqual(symbolizer.arguments.filter { $0.hasPrefix("--debug-file-directory") },
                       ["--debug-file-directory=/tmp/d1", "--debug-file-directory=/tmp/d2", "--debug-file-directory=/usr/lib/debug"])
        let fromEnvironment = LLVMSymbolizer(environment: ["FDHOUND_SYMBOLIZER": "/bin/false", "FDHOUND_DEBUG_FILE_DIRECTORY": "/x::/y"])
        XCTAssertEqual(fromEnvironment?.debugFileDirectories, ["/x", "/y"])
    }

    func testExportedFunctionsOfAStrippedLibraryGiveHintsNotNames() throws {
        let sourcePath = directory.appendingPathComponent("lib.c").path
        try """
            __attribute__((noinline)) int exported_first(int x) { return x * 3; }
            __attribute__((noinline)) static int hidden_helper(int x) { return x * 5 + 1; }
            int exported_second(int x) { return hidden_helper(x) + 2; }

            """.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let library = directory.appendingPathComponent("lib.so").path
        guard try run(["cc", "-g", "-O1", "-fno-toplevel-reorder", "-fPIC", "-shared", "-o", library, sourcePath]).status == 0 else {
            throw XCTSkip("no working C compiler")
        }
        let nm = try run(["nm", library]).output.split(separator: "\n")
        func address(_ name: String) throws -> UInt64 {
            try XCTUnwrap(UInt64(XCTUnwrap(nm.first { $0.hasSuffix(" " + name) }).split(separator: " ")[0], radix: 16))
        }
        let (first, hidden, second) = (try address("exported_first"), try address("hidden_helper"), try address("exported_second"))
        XCTAssertEqual(ELFExportedFunctions.of(path: library)?.hasDebugInfo, true)
        let strippedPath = directory.appendingPathComponent("stripped.so").path
        XCTAssertEqual(try run(["strip", "--strip-all", "-o", strippedPath, library]).status, 0)
        let exports = try XCTUnwrap(ELFExportedFunctions.of(path: strippedPath))
        XCTAssertFalse(exports.hasDebugInfo)
        XCTAssertEqual(exports.hint(for: first + 2), "exported_first")
        XCTAssertEqual(exports.hint(for: second), "exported_second")
        XCTAssertEqual(exports.hint(for: hidden + 4), "exported_first+0x\(String(hidden + 4 - first, radix: 16))")
        XCTAssertNil(exports.hint(for: 0x10), "nothing exported before it")
        XCTAssertNil(ELFExportedFunctions.of(path: sourcePath), "not ELF")

        // Through the pipeline: llvm-symbolizer names the export from the table, the report keeps it a hint.
        let symbolizer = try llvmSymbolizer()
        let frames = StackSymbolization.frames(
            for: [[AddressFrame(modulePath: strippedPath, buildID: nil, address: second + 1, isInterpreter: false),
                   AddressFrame(modulePath: strippedPath, buildID: nil, address: hidden + 4, isInterpreter: false)]],
            symbolize: [0], using: symbolizer)[0]
        XCTAssertEqual(frames.map(\.function), [nil, nil])
        XCTAssertEqual(frames.map(\.debugInfo), [false, false])
        XCTAssertEqual(frames.map(\.nearSymbol), ["exported_second", "exported_first+0x\(String(hidden + 4 - first, radix: 16))"])
        XCTAssertEqual(ReportWording.frameLine(frames[0], index: 0),
                       "#0 ??  (stripped.so+\(frames[0].address))  no debug info, near exported_second")
    }

    func testSwiftDemanglerLeavesOtherNamesAlone() {
        XCTAssertEqual(SwiftDemangler.demangle("$s4main3fooyyF"), "main.foo() -> ()")
        XCTAssertEqual(SwiftDemangler.demangle("leak_cache_files"), "leak_cache_files")
        XCTAssertEqual(SwiftDemangler.demangle("std::vector<int>::push_back(int const&)"), "std::vector<int>::push_back(int const&)")
    }

    func testQueryLines() {
        XCTAssertEqual(LLVMSymbolizer.query(for: SymbolRequest(modulePath: "/bin/sh", address: 0x1f)), "\"/bin/sh\" 0x1f")
        XCTAssertEqual(LLVMSymbolizer.query(for: SymbolRequest(modulePath: "/gone.so", buildID: "abcd", address: 16)), "BUILDID:abcd 0x10")
        XCTAssertNil(LLVMSymbolizer.query(for: SymbolRequest(modulePath: "/gone.so", address: 16)))
        XCTAssertNil(LLVMSymbolizer.query(for: SymbolRequest(modulePath: "linux-vdso.so.1", address: 16)))
    }

    func testLocatorHonoursExplicitChoiceThenPath() throws {
        XCTAssertEqual(SymbolizerLocator.candidates(environment: ["FDHOUND_SYMBOLIZER": "/x/sym", "PATH": "/usr/bin"]), ["/x/sym"])
        XCTAssertNil(SymbolizerLocator.llvmSymbolizer(environment: ["FDHOUND_SYMBOLIZER": "/nonexistent/sym"]))
        let fake = directory.appendingPathComponent("llvm-symbolizer").path
        XCTAssertTrue(FileManager.default.createFile(atPath: fake, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]))
        XCTAssertEqual(SymbolizerLocator.llvmSymbolizer(environment: ["PATH": "/nonexistent:\(directory.path)"]), fake)
        let order = SymbolizerLocator.candidates(environment: ["PATH": "/a"])
        XCTAssertEqual(Array(order.prefix(3)), ["/a/llvm-symbolizer", "/opt/swift/usr/bin/llvm-symbolizer", "/usr/bin/llvm-symbolizer"])
    }
}
