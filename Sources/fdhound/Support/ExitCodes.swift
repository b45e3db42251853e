// The exit codes fdhound promises to scripts and CI (documented in README.md), and its stderr voice.
import ArgumentParser
import FDHoundCore
import Foundation

enum FDHoundExit {
    /// Leaks were found where the command was asked to fail on them.
    static let leaksFound = ExitCode(1)
    /// Command-line misuse (sysexits EX_USAGE); ArgumentParser uses it for validation errors too.
    static let usage = ExitCode(64)
    /// A trace could not be read: missing, truncated, corrupted or of an unknown version (EX_DATAERR).
    static let unreadableTrace = ExitCode(65)
    /// The program cannot be traced or started: static binary, not found, shim missing (EX_UNAVAILABLE).
    static let cannotTrace = ExitCode(69)
    /// The report could not be written to the file named with -o (sysexits EX_CANTCREAT).
    static let cannotWrite = ExitCode(73)
}

/// Prints one line to standard error, prefixed with the tool's name. Messages quote paths and names from
/// traces, so they are escaped (VisibleEscapes): a name cannot control the terminal or add a line.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("fdhound: \(VisibleEscapes.escape(message))\n".utf8))
}
