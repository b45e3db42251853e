// `report --redact`: no path outside the program's tree, host name, IP address or absolute memory address
// survives in any format; the program's own paths become relative, system paths and loopback stay, and
// each secret becomes the same placeholder wherever it appears.
import XCTest
@testable import FDHoundCore

final class ReportRedactorTests: XCTestCase {
    private let secrets = ["/home/alice", "alice", "db7.corp.example", "10.1.2.3", "2001:db8::42", "fe80:0:0:0:1:2:3:4",
                           "0x7f12deadbeef", "buildhost-9", "/srv/customer-acme"]

    private func report() -> Report {
        let own = Frame(function: "open_cache", file: "/home/alice/proj/src/cache.c", line: 12, module: "/home/alice/proj/build/app", address: "0x1139")
        let libc = Frame(function: "open64", file: "./io/../sysdeps/unix/sysv/linux/open64.c", line: 41, module: "/usr/lib/x86_64-linux-gnu/libc.so.6", address: "0x10f2a0")
        let unknown = Frame(module: "[unknown]", address: "0x7f12deadbeef")
        var process = ProcessSummary(pid: 7, ppid: 1, argv: ["/home/alice/proj/build/app", "--db=postgres://alice@db7.corp.example:5432/x", "--peer", "10.1.2.3"],
                                     state: "exited", traceFile: "/home/alice/traces/fdhound.7.trace", openAtEnd: 5, leaked: 2,
                                     dropped: DroppedCounters(events: 0, strings: 0, modules: 0, stacks: 0, liveDescriptors: 0, callSites: 0))
        process.executable = "/home/alice/proj/build/app"
        var report = Report(tracePath: "/home/alice/traces", processes: [process], leaks: [], inherited: [],
                            warnings: ["on buildhost-9: /srv/customer-acme/data.db was unreadable"])
        report.leaks = [LeakGroup(id: "L1", fingerprint: "0123456789abcdef", count: 2, kind: "inet6-socket", api: "socket", owner: "fd",
                                  culprit: own, stack: [libc, own, unknown],
                                  samples: ["[2001:db8::42]:443 -> [fe80:0:0:0:1:2:3:4]:5000 (fd 3)", "127.0.0.1:80 -> 10.1.2.3:9 (fd 4)",
                                            "/srv/customer-acme/data.db (fd 5)", "/etc/hostname (fd 6)"],
                                  pids: [7], firstSeenSeconds: 0, lastSeenSeconds: 1)]
        return report
    }

    func testNoSecretSurvivesInAnyFormat() {
        let redactor = ReportRedactor(keptRoots: ["/home/alice/proj"], hostName: "buildhost-9")
        let redacted = redactor.redact(report())
        for format in ReportFormat.allCases {
            let output = ReportRenderer.render(redacted, as: format)
            for secret in secrets {
                XCTAssertFalse(output.contains(secret), "\(format) still holds \(secret):\n\(output)")
            }
        }
        let leak = redacted.leaks[0]
        XCTAssertEqual(leak.culprit.file, "src/cache.c", "the program's own paths are kept, relative to its tree")
        XCTAssertEqual(leak.culprit.module, "build/app")
        XCTAssertEqual(leak.stack[0].module, "/usr/lib/x86_64-linux-gnu/libc.so.6", "system paths stay")
        XCTAssertEqual(leak.stack[0].file, "./io/../sysdeps/unix/sysv/linux/open64.c")
        XCTAssertEqual(leak.stack[0].address, "0x10f2a0", "module offsets stay")
        XCTAssertTrue(leak.stack[2].address.hasPrefix("<addr-"), leak.stack[2].address)
        XCTAssertEqual(leak.culprit.function, "open_cache")
        XCTAssertEqual(leak.fingerprint, "0123456789abcdef")
        XCTAssertTrue(leak.samples[1].hasPrefix("127.0.0.1:80 -> <ip-"), leak.samples[1])
        XCTAssertTrue(leak.samples[0].hasPrefix("[<ip-"), leak.samples[0])
        XCTAssertEqual(leak.samples[3], "/etc/hostname (fd 6)")
        let argv = redacted.processes[0].argv.joined(separator: " ")
        XCTAssertTrue(argv.hasPrefix("build/app --db=postgres://<user-"), argv)
        XCTAssertEqual(redactor.redact("PATH=/usr/bin:/home/alice/bin"), "PATH=/usr/bin:<path-" + redactor.redact("/home/alice/bin").dropFirst(6), "every path of a list")
        // The same secret reads the same everywhere: the data file in the warning and in the sample.
        let placeholder = String(leak.samples[2].prefix { $0 != " " })
        XCTAssertTrue(placeholder.hasPrefix("<path-"), placeholder)
        XCTAssertTrue(redacted.warnings[0].contains(placeholder + "/") == false && redacted.warnings[0].contains(placeholder), redacted.warnings[0])
        XCTAssertEqual(redactor.redact(report()), redacted, "deterministic")
    }
}
