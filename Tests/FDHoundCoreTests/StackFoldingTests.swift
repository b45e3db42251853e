// StackFolding on synthetic stacks: which interpreter frames fold, which stay (Python frames, extension and
// library frames, the builtin the Python code called, the culprit), and that stacks without Python frames
// or with folding off are untouched.
import XCTest
@testable import FDHoundCore

final class StackFoldingTests: XCTestCase {
    private let libpython = "/usr/lib/x86_64-linux-gnu/libpython3.10.so.1.0"

    private func native(_ function: String, _ module: String, inlined: Bool = false) -> Frame {
        Frame(function: function, module: module, address: "0x1", inlined: inlined)
    }

    private func python(_ function: String) -> Frame {
        Frame(function: function, file: "/app/\(function).py", line: 1, module: "python", address: "code#1+2")
    }

    private func shown(_ items: [StackFolding.Item]) -> [String] {
        items.map {
            switch $0 {
            case .frame(_, let frame): return frame.function ?? "?"
            case .folded(let first, let last, _): return "[\(first)-\(last)]"
            }
        }
    }

    func testInternalsBetweenAndAroundPythonFramesFoldTheBuiltinAndExtensionsStay() {
        let stack = [
            native("__open64", "/lib/libc.so.6"),
            native("_io_FileIO___init__", libpython),
            native("type_call", libpython),
            native("_PyObject_MakeTpCall", libpython),
            python("helper"),
            native("_PyEval_EvalFrameDefault", libpython),
            native("_PyFunction_Vectorcall", libpython),
            python("main"),
            native("ext_callback", "/app/_speedups.cpython-310-x86_64-linux-gnu.so"),
            native("_PyEval_EvalFrameDefault", libpython),
            python("<module>"),
            native("PyEval_EvalCode", libpython),
            native("Py_RunMain", libpython),
            native("Py_BytesMain", libpython),
            native("__libc_start_main", "/lib/libc.so.6"),
        ]
        XCTAssertEqual(shown(StackFolding.items(stack, fold: true)), [
            "__open64", "_io_FileIO___init__", "[2-3]", "helper", "[5-6]", "main", "ext_callback",
            "_PyEval_EvalFrameDefault", "<module>", "[11-13]", "__libc_start_main",
        ], "a single interpreter frame is not worth a fold line")
        XCTAssertEqual(StackFolding.items(stack, fold: false).count, stack.count)
    }

    func testABuiltinsInlinedFramesAndTheCulpritAreKept() {
        let executable = "/usr/bin/python3.11"
        let stack = [
            native("open64", executable, inlined: true),
            native("os_open_impl", executable, inlined: true),
            native("os_open", executable),
            native("cfunction_vectorcall_FASTCALL_KEYWORDS", executable),
            native("PyObject_Vectorcall", executable),
            python("helper"),
            native("_PyEval_EvalFrame", executable, inlined: true),
            native("PyEval_EvalCode", executable),
            native("run_mod", executable),
        ]
        XCTAssertEqual(shown(StackFolding.items(stack, fold: true)),
                       ["open64", "os_open_impl", "os_open", "[3-4]", "helper", "[6-8]"])
        XCTAssertEqual(shown(StackFolding.items(stack, keeping: [stack[7]], fold: true)),
                       ["open64", "os_open_impl", "os_open", "[3-4]", "helper", "_PyEval_EvalFrame", "PyEval_EvalCode", "run_mod"],
                       "a kept frame splits its run; what is left around it is too short to fold")
        let lines = StackFolding.lines(stack, marked: stack[5], fold: true)
        XCTAssertEqual(lines[3], "    #3–#4 … 2 interpreter frames (python3.11); --native-frames shows them")
        XCTAssertTrue(lines[4].hasPrefix("  → #5 helper"), lines[4])
    }

    func testNativeStacksAndOtherModulesNamedLikePythonAreNotFolded() {
        let stack = [native("a", libpython), native("b", libpython), native("c", libpython)]
        XCTAssertEqual(StackFolding.items(stack, fold: true).count, 3, "no Python frame: not a Python-aware stack")
        XCTAssertTrue(StackFolding.isInterpreter(native("x", "/usr/bin/python3.12")))
        XCTAssertTrue(StackFolding.isInterpreter(native("x", "/opt/lib/libpython3.13d.so")))
        XCTAssertFalse(StackFolding.isInterpreter(native("x", "/usr/lib/python3/dist-packages/_cffi_backend.so")))
        XCTAssertFalse(StackFolding.isInterpreter(native("x", "/usr/bin/python-config")))
        XCTAssertFalse(StackFolding.isInterpreter(python("f")))
    }
}
