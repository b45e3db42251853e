// Where a rendered report goes: standard output, or the file named with -o, written to a temporary file
// beside it and renamed over it, so a reader (a CI step, a browser) never sees half a report.
import Foundation

enum ReportOutput {
    /// Prints `text`, or writes it to `path`; a file that cannot be written is exit 73 with one line.
    static func emit(_ text: String, to path: String?) throws {
        guard let path else {
            print(text, terminator: "")
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            printError("cannot write the report to \(path): \((error as NSError).localizedDescription)")
            throw FDHoundExit.cannotWrite
        }
    }
}
