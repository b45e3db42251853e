// The terminal while `fdhound live` owns it: the alternate screen (the shell's screen comes back intact
// afterwards), no cursor, keys read one at a time without echo — and all of that undone on q, on the
// watched process's exit, on Ctrl-C/SIGTERM (turned into a flag the key wait checks) and on errors.
import Foundation

final class TerminalSession {
    private var saved = termios()
    private var savedValid = false
    private var restored = false
    private var keysReadable: Bool
    private let flag = InterruptFlag()
    private var sources = [DispatchSourceSignal]()

    init() {
        keysReadable = isatty(STDIN_FILENO) == 1
        if keysReadable, tcgetattr(STDIN_FILENO, &saved) == 0 {
            savedValid = true
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        }
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [flag] in flag.set() }
            source.resume()
            sources.append(source)
        }
        write("\u{1B}[?1049h\u{1B}[?25l") // alternate screen, hide the cursor
    }

    var interrupted: Bool { flag.isSet }

    /// Rows and columns of the terminal (80×24 when it does not say).
    func size() -> (rows: Int, columns: Int) {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return (24, 80) }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    /// Draws `lines` from the top-left corner over the previous screen (each line cleared to its end, the
    /// rest of the screen cleared after the last).
    func draw(_ lines: [String]) {
        write("\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
    }

    /// The key pressed within `seconds`, or nil (time up, or interrupted).
    func waitForKey(seconds: Double) -> Character? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !flag.isSet {
            let slice = Int32(max(1, min(100, deadline.timeIntervalSinceNow * 1000)))
            guard keysReadable else { usleep(useconds_t(slice) * 1000); continue }
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, slice)
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            if read(STDIN_FILENO, &byte, 1) == 1 { return Character(Unicode.Scalar(byte)) }
            keysReadable = false // end of input: go on refreshing until the time is up
        }
        return nil
    }

    /// Leaves the alternate screen and gives the terminal its settings back (once).
    func restore() {
        guard !restored else { return }
        restored = true
        write("\u{1B}[?25h\u{1B}[?1049l")
        if savedValid { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        sources.forEach { $0.cancel() }
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, SIG_DFL) }
    }

    deinit { restore() }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
