// Folding of interpreter internals on real CPython 3.10–3.13 (every one present): the text and Markdown
// reports show the Python frames and fold runs of the interpreter's own native frames into one line;
// `--native-frames` shows them all, and the JSON report always keeps every frame.
import Foundation
import XCTest

final class InterpreterFoldingTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// The JSON names of native frames of the interpreter itself (libpython*, python3.x).
    private func isInterpreter(_ frame: [String: Any]) -> Bool {
        let module = (frame["module"] as? String ?? "").split(separator: "/").last.map(String.init) ?? ""
        return module.hasPrefix("libpython") || (module.hasPrefix("python3") && module != "python")
    }

    func testInterpreterInternalsAreFoldedInTextAndMarkdownButKeptInJSON() throws {
        let interpreters = PythonStackTests.interpreters()
        guard !interpreters.isEmpty else { throw XCTSkip("no CPython 3.10–3.13 on this machine") }
        for interpreter in interpreters {
            let label = interpreter.label.filter { $0.isLetter || $0.isNumber }
            let traces = workDirectory.appendingPathComponent("traces-\(label)").path
            let scratch = workDirectory.appendingPathComponent("files-\(label)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--", interpreter.path, PythonStackTests.fixture,
                                          scratch.path, "os_exit"])
            XCTAssertEqual(run.status, 0, "\(interpreter.label): \(run.stderr)")

            let json = try FDHoundCLI.run(["report", traces, "--format", "json", "--max-frames", "64"])
            let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let leak = try XCTUnwrap(LeakView.all(in: report).first { $0.culpritFunction == "leak_file_via_os_open" },
                                     "\(interpreter.label): the Python leak was recorded")
            let internals = leak.stack.filter(isInterpreter)
            XCTAssertGreaterThanOrEqual(internals.count, 4, "\(interpreter.label): JSON keeps the interpreter's frames")
            let pythonFrames = leak.stack.filter { $0["module"] as? String == "python" }
            XCTAssertFalse(pythonFrames.isEmpty, "\(interpreter.label): Python-aware stack")

            // --all: the leak is opened once (pattern once), which text and Markdown show compactly without it.
            let folded = try FDHoundCLI.run(["report", traces, "--all", "--max-frames", "64"]).stdout
            let all = try FDHoundCLI.run(["report", traces, "--all", "--max-frames", "64", "--native-frames"]).stdout
            let markdown = try FDHoundCLI.run(["report", traces, "--all", "--max-frames", "64", "--format", "markdown"]).stdout
            XCTAssertTrue(folded.contains("interpreter frames ("), "\(interpreter.label): a fold line\n\(folded)")
            XCTAssertTrue(markdown.contains("interpreter frames ("), "\(interpreter.label): a fold line in Markdown")
            XCTAssertFalse(all.contains("interpreter frames ("), "\(interpreter.label): --native-frames folds nothing")
            for frame in pythonFrames {
                let name = try XCTUnwrap(frame["function"] as? String)
                XCTAssertTrue(folded.contains(" \(name)  "), "\(interpreter.label): Python frame \(name) shown")
            }
            // Every interpreter frame's name is shown with --native-frames; the evaluation loop, which sits
            // between or around Python frames in every version, is folded away by default.
            for frame in internals {
                if let name = frame["function"] as? String { XCTAssertTrue(all.contains(" \(name)  "), "\(interpreter.label): \(name)") }
            }
            let loop = internals.compactMap { $0["function"] as? String }.filter { $0.hasPrefix("_PyEval_EvalFrame") || $0 == "PyEval_EvalCode" }
            XCTAssertFalse(loop.isEmpty, "\(interpreter.label): the stack runs through the evaluation loop")
            for name in loop { XCTAssertFalse(folded.contains(" \(name)  "), "\(interpreter.label): \(name) folded\n\(folded)") }
            XCTAssertLessThan(folded.split(separator: "\n").count, all.split(separator: "\n").count)
        }
    }
}
