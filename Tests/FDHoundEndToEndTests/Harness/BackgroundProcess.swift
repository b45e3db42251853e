// A process a test starts and keeps running while it looks at it (attach, report --pid, live), with its
// first output line read (every fixture used this way prints "ready" first and stops by itself within
// 60 s). Stopped by pid with SIGKILL if the test ends before it does.
import Foundation
import XCTest

final class BackgroundProcess {
    let process = Process()
    let firstLine: String
    private let out = Pipe()
    private let err = Pipe()

    var pid: Int32 { process.processIdentifier }

    init(_ arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break } // closed: the program ended
            line.append(chunk)
        }
        firstLine = String(decoding: line, as: UTF8.self)
    }

    var isRunning: Bool { process.isRunning }

    /// Waits for the program to end by itself (bounded by the fixture's own limit); its status and the
    /// rest of its standard output.
    func waitForExit() -> (status: Int32, rest: String, stderr: String) {
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: rest, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

enum Poll {
    /// Calls `body` up to `attempts` times, `pause` seconds apart, until it returns a value. A bounded wait
    /// for something a running program will do (not an assertion on how long it takes).
    static func until<T>(attempts: Int = 150, pause: Double = 0.2, _ body: () throws -> T?) rethrows -> T? {
        for attempt in 0..<attempts {
            if let value = try body() { return value }
            if attempt < attempts - 1 { Thread.sleep(forTimeInterval: pause) }
        }
        return nil
    }
}
