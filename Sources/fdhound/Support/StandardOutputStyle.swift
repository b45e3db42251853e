// How the text report is styled on standard output: colour only when it is a terminal and NO_COLOR
// (no-color.org) is unset or empty and TERM is not "dumb"; on a terminal the width from COLUMNS when set,
// else the terminal's own (TIOCGWINSZ); a pipe or file gets plain text as long as it is.
import FDHoundCore
import Foundation

enum StandardOutputStyle {
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalStyle {
        let tty = isatty(STDOUT_FILENO) == 1
        let colour = tty && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        var width: Int?
        guard tty else { return TerminalStyle(colour: false, width: nil) }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            width = columns
        } else {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { width = Int(size.ws_col) }
        }
        return TerminalStyle(colour: colour, width: width)
    }
}
