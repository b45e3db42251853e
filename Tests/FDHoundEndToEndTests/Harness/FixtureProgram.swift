// Compiles a C fixture from Tests/Fixtures/programs into a temporary directory and finds the source lines
// its MARK comments name, so tests assert real file:line values without hard-coding them.
import Foundation
import XCTest

struct FixtureProgram {
    let name: String
    let sourcePath: String
    let binaryPath: String

    static var fixturesDirectory: URL {
        URL(fileURLWithPath: #filePath)            // Tests/FDHoundEndToEndTests/Harness/FixtureProgram.swift
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/programs")
    }

    /// The checkout's root (Tests/Fixtures/programs → three levels up).
    static var repositoryRoot: URL {
        fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Builds `name`.c with debug info (-g, -O1: realistic but keeps helper frames) into `directory`.
    static func build(_ name: String, in directory: URL, extraFlags: [String] = []) throws -> FixtureProgram {
        let source = fixturesDirectory.appendingPathComponent("\(name).c").path
        let binary = directory.appendingPathComponent(name).path
        let result = try Command.run(["cc", "-g", "-O1", "-o", binary, source] + extraFlags)
        guard result.status == 0 else {
            throw XCTSkip("cannot compile fixture \(name): \(result.stderr)")
        }
        return FixtureProgram(name: name, sourcePath: source, binaryPath: binary)
    }

    /// The 1-based line holding `/* MARK:<marker> */`.
    func line(ofMark marker: String) throws -> Int {
        let text = try String(contentsOfFile: sourcePath, encoding: .utf8)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains("MARK:\(marker) ") || line.hasSuffix("MARK:\(marker)") {
            return index + 1
        }
        throw NSError(domain: "FixtureProgram", code: 1,
                      userInfo: [NSLocalizedDescriptionKey: "no MARK:\(marker) in \(sourcePath)"])
    }
}

/// A finished child process.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Command {
    /// Runs a command to completion (bounded by `timeout` seconds; killed after that) and captures output.
    static func run(_ arguments: [String], environment: [String: String]? = nil,
                    timeout: TimeInterval = 300) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let outData = DrainedOutput(), errData = DrainedOutput()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData.data = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        process.waitUntilExit()
        timer.cancel()
        group.wait()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData.data, as: UTF8.self),
                             stderr: String(decoding: errData.data, as: UTF8.self))
    }
}

/// What one drain thread read; written once by that thread, read after `group.wait()`.
private final class DrainedOutput: @unchecked Sendable {
    var data = Data()
}
