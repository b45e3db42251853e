// Ready-made process layouts for tests: an executable and libc at fixed load biases, and the stacks of a
// program that leaks through fopen (libc frames inside) and socket. Addresses are chosen so the symbolizer
// sees round module-relative numbers (ip − 1 − bias).
import CFDHoundTrace
import Foundation

/// A traced process with the demo program's modules, plus the fake symbols to resolve them.
public struct LeakyProgram {
    public static let executable = "/work/bin/leaky"
    public static let libc = "/lib/x86_64-linux-gnu/libc.so.6"
    public static let shim = "/opt/fdhound/lib/libfdhound.so"

    /// Module-relative addresses the symbolizer is asked about.
    public enum Address {
        public static let libcOpen: UInt64 = 0x10_0000
        public static let libcFopen: UInt64 = 0x8_0000
        public static let leakCacheFiles: UInt64 = 0x1234
        public static let leakProbeSockets: UInt64 = 0x1400
        public static let churn: UInt64 = 0x1500
        public static let main: UInt64 = 0x1300
        public static let libcStartMain: UInt64 = 0x2_9000
    }

    public let builder: TraceBuilder
    public let executableBias: UInt64
    public let libcBias: UInt64

    /// `bias` shifts the executable (ASLR differs between processes).
    public init(pid: Int32 = 4242, executableBias: UInt64 = 0x5555_5555_4000, libcBias: UInt64 = 0x7f00_0000_0000,
                capacities: TraceBuilder.Capacities = TraceBuilder.Capacities()) {
        builder = TraceBuilder(pid: pid, executable: Self.executable, arguments: [Self.executable, "--serve"],
                               capacities: capacities)
        self.executableBias = executableBias
        self.libcBias = libcBias
        builder.addModule(path: Self.executable, loadBias: executableBias, textStart: executableBias + 0x1000,
                          textEnd: executableBias + 0x9000, buildID: [0xab, 0xcd, 0x01])
        builder.addModule(path: Self.libc, loadBias: libcBias, textStart: libcBias + 0x2_8000,
                          textEnd: libcBias + 0x1b_d000)
    }

    /// Return addresses (kind 0): ip = bias + address + 1.
    public func app(_ address: UInt64) -> UInt64 { executableBias + address + 1 }
    public func inLibc(_ address: UInt64) -> UInt64 { libcBias + address + 1 }

    /// fopen → libc's open → …: the leak_cache_files stack, innermost first.
    public var fopenStack: UInt32 {
        builder.stack([inLibc(Address.libcOpen), inLibc(Address.libcFopen), app(Address.leakCacheFiles),
                       app(Address.main), inLibc(Address.libcStartMain)])
    }

    public var socketStack: UInt32 {
        builder.stack([app(Address.leakProbeSockets), app(Address.main), inLibc(Address.libcStartMain)])
    }

    public var churnStack: UInt32 {
        builder.stack([app(Address.churn), app(Address.main), inLibc(Address.libcStartMain)])
    }

    /// A fake symbolizer that knows every address above.
    public static func symbolizer() -> FakeSymbolizer {
        let fake = FakeSymbolizer()
        fake.define("libc.so.6", Address.libcOpen, function: "__libc_open64", file: "../sysdeps/unix/sysv/linux/open64.c", line: 41)
        fake.define("libc.so.6", Address.libcFopen, function: "_IO_new_fopen", file: "iofopen.c", line: 86)
        fake.define("libc.so.6", Address.libcStartMain, function: "__libc_start_call_main")
        fake.define("leaky", Address.leakCacheFiles, function: "leak_cache_files", file: "/src/leak_thousand_files.c", line: 24)
        fake.define("leaky", Address.leakProbeSockets, function: "leak_probe_sockets", file: "/src/leak_thousand_files.c", line: 31)
        fake.define("leaky", Address.churn, function: "churn_open_close", file: "/src/leak_thousand_files.c", line: 40)
        fake.define("leaky", Address.main, function: "main", file: "/src/leak_thousand_files.c", line: 52)
        return fake
    }

    /// The acceptance scenario: 1000 files leaked through fopen, 100 sockets, 10 opened and closed.
    public static func thousandFiles(pid: Int32 = 4242, executableBias: UInt64 = 0x5555_5555_4000) -> LeakyProgram {
        var capacities = TraceBuilder.Capacities()
        capacities.liveFDs = 2048
        capacities.events = 4096
        let program = LeakyProgram(pid: pid, executableBias: executableBias, capacities: capacities)
        let b = program.builder
        b.inherited(fd: 0, kind: FDH_KIND_PTY, description: "/dev/pts/0")
        b.inherited(fd: 1, kind: FDH_KIND_PTY, description: "/dev/pts/0")
        b.inherited(fd: 2, kind: FDH_KIND_PTY, description: "/dev/pts/0")
        let churn = program.churnStack
        for i in 0..<10 {
            b.open(fd: 3, path: "/etc/hostname", stack: churn, timeNs: UInt64(i) * 1000)
            b.close(fd: 3, timeNs: UInt64(i) * 1000 + 500)
        }
        let files = program.fopenStack
        for i in 0..<1000 {
            b.open(fd: Int32(3 + i), api: FDH_API_FOPEN, owner: FDH_OWNER_STDIO, path: "/etc/hostname",
                   stack: files, timeNs: 2_000_000 + UInt64(i) * 10_000)
        }
        let sockets = program.socketStack
        for i in 0..<100 {
            b.open(fd: Int32(1003 + i), kind: FDH_KIND_SOCKET_INET, api: FDH_API_SOCKET, path: "0.0.0.0:0",
                   stack: sockets, timeNs: 20_000_000 + UInt64(i) * 10_000)
        }
        b.exit(timeNs: 30_000_000)
        return program
    }
}
