// Calls functions inside a running process through gdb in batch mode, as heaptrack and memray attach: gdb
// stops the process for the moment of the calls and lets it go on afterwards. Each call is printed with a
// tag (`printf "fdhound-TAG %d\n", call`) so the answers are read back by name, whatever else gdb says.
// Bounded: gdb is killed (by its pid) when it takes longer than the timeout.
import Foundation

struct DebuggerCall {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let gdb: String
    let pid: Int
    var timeout: TimeInterval = 60

    /// A C string literal for gdb; nil for text gdb cannot take on one line.
    static func literal(_ text: String) -> String? {
        guard !text.contains("\n"), !text.contains("\r") else { return nil }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Runs gdb with `calls` (tag, printf format, expression) and returns the values by tag, plus gdb's
    /// whole output for explaining a failure.
    func run(_ calls: [(tag: String, format: String, expression: String)]) throws -> (values: [String: String], output: String) {
        var arguments = ["--batch", "--nx", "--readnever", "-iex", "set debuginfod enabled off",
                         "-iex", "set auto-load off", "-p", String(pid)]
        for call in calls {
            arguments += ["-ex", "printf \"fdhound-\(call.tag) \(call.format)\\n\", \(call.expression)"]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gdb)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start \(gdb): \(error.localizedDescription)")
        }
        let gdbPID = process.processIdentifier
        let timer = DispatchWorkItem { if process.isRunning { kill(gdbPID, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        let text = String(decoding: data, as: UTF8.self)
        if process.terminationReason == .uncaughtSignal {
            throw Failure(description: "gdb did not finish within \(Int(timeout)) s and was stopped; the process was left as it was")
        }
        var values = [String: String]()
        for line in text.split(separator: "\n") where line.hasPrefix("fdhound-") {
            let parts = line.dropFirst("fdhound-".count).split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return (values, text)
    }
}
