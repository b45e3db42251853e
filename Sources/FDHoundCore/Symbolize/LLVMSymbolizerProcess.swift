// Runs llvm-symbolizer once over a batch of query lines. The queries are written from a dedicated thread
// while this thread drains stdout, so neither side can fill a pipe and deadlock; a watchdog ends a process
// that stops answering.
import Foundation

enum LLVMSymbolizerProcess {
    /// Feeds `input` (one query per line) to `executable` run with `arguments` (LLVMSymbolizer.arguments)
    /// and returns its stdout split into lines, or nil if it could not be started.
    static func run(executable: String, arguments: [String], input: String, timeout: TimeInterval) -> [Substring]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // Never go to the network for debug info while printing a report.
        environment.removeValue(forKey: "DEBUGINFOD_URLS")
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let writer = Thread {
            // SIGPIPE (the child died) is blocked in this thread only, so write() returns EPIPE instead of
            // killing fdhound; the pending signal goes away with the thread.
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            writeAll(Array(input.utf8), to: stdin.fileHandleForWriting.fileDescriptor)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result > 0 {
                written += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                return  // EPIPE or another error: the reader sees fewer answers and degrades those frames
            }
        }
    }
}
