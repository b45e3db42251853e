// The `fdhound` command: a thin front end over FDHoundCore. Each subcommand lives in Commands/ and only
// parses options, calls the core library and maps outcomes to exit codes (Support/ExitCodes.swift).
import ArgumentParser

@main
struct FDHound: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fdhound",
        abstract: "Find the code paths that leak file descriptors, in any dynamically linked program.",
        discussion: """
            Trace a program, then read the report:
              fdhound run -o trace-dir -- ./server --port 5020
              fdhound report trace-dir
            """,
        version: FDHoundVersion.string,
        subcommands: [RunCommand.self, ReportCommand.self, CheckCommand.self, LiveCommand.self, DiffCommand.self,
                      AttachCommand.self, DetachCommand.self, SnapshotCommand.self, MetricsCommand.self,
                      DemoCommand.self]
    )
}

enum FDHoundVersion {
    static let string = "0.1.0"
}
