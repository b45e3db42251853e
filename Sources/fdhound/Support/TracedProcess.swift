// Starts the command to trace with the shim preloaded and waits for it. posix_spawn is used directly (not
// Foundation.Process) so the child gets default signal dispositions while fdhound itself ignores Ctrl-C
// (the terminal delivers it to the child, which decides; fdhound must live on to write the summary) and
// forwards SIGTERM/SIGHUP to the child.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct TracedProcess {
    let arguments: [String]
    let environment: [String: String]

    /// How the traced command ended, as a shell would report it.
    enum Termination: Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The status fdhound exits with: the child's own status, or 128+signal like a shell.
        var shellStatus: Int32 {
            switch self {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        let command: String
        let code: Int32
        var description: String { "cannot start \(command): \(String(cString: strerror(code)))" }
    }

    func run() throws -> Termination {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }

        // Ignore Ctrl-C while the child runs; forward termination requests to it.
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, arguments[0], nil, &attributes, argv, envp)
        guard status == 0 else { throw SpawnError(command: arguments[0], code: status) }
        let forwarders = [SIGTERM, SIGHUP].map { signalNumber -> DispatchSourceSignal in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { kill(pid, signalNumber) }
            source.resume()
            return source
        }
        defer { forwarders.forEach { $0.cancel() } }

        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 {
            if errno != EINTR { throw SpawnError(command: arguments[0], code: errno) }
        }
        signal(SIGINT, SIG_DFL)
        signal(SIGQUIT, SIG_DFL)
        let low = waitStatus & 0x7f
        if low == 0 { return .exited((waitStatus >> 8) & 0xff) }
        return .signaled(low)
    }
}
