// Patterns and confidence on real programs: the demo's leaky server leaks while it runs (growing, high);
// what bash and nginx open once at start-up and hold by design (bash's script descriptor, nginx's log
// files, epoll and eventfd) comes out as pattern once with low confidence, listed compactly, and `check`
// passes on it unless --strict.
import Foundation
import XCTest

final class LeakPatternTests: XCTestCase {
    private var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = try FDHoundCLI.temporaryDirectory(name.filter { $0.isLetter })
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    private func traced(_ command: [String], name: String) throws -> String {
        let traces = workDirectory.appendingPathComponent(name).path
        let run = try FDHoundCLI.run(["run", "-q", "-o", traces, "--"] + command)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stderr.contains("tracing disabled"), run.stderr)
        return traces
    }

    func testTheDemoServersLeaksGrowWithHighConfidence() throws {
        let binary = workDirectory.appendingPathComponent("leaky").path
        let source = FixtureProgram.repositoryRoot.appendingPathComponent("demo/leaky_server.c").path
        let cc = try Command.run(["cc", "-O1", "-g", "-o", binary, source])
        XCTAssertEqual(cc.status, 0, cc.stderr)
        let traces = try traced([binary], name: "demo")
        let leaks = LeakView.all(in: try FDHoundCLI.jsonReport(traces))
        XCTAssertEqual(Set(leaks.map(\.culpritFunction)), ["open_request_log", "connect_to_backend"])
        for leak in leaks {
            XCTAssertEqual(leak.raw["pattern"] as? String, "growing", "\(leak.raw)")
            XCTAssertEqual(leak.raw["confidence"] as? String, "high", "\(leak.raw)")
            XCTAssertTrue((leak.raw["reason"] as? String ?? "").contains("the count grew until exit"), "\(leak.raw)")
        }
        let check = try FDHoundCLI.run(["check", traces])
        XCTAssertEqual(check.status, 1, "growing leaks fail the check: \(check.stderr)")
    }

    func testBashsScriptDescriptorIsOnceAndOnlyStrictFailsOnIt() throws {
        let script = workDirectory.appendingPathComponent("s.sh")
        try Data("for i in 1 2; do /bin/true; done\n".utf8).write(to: script)
        let traces = try traced(["bash", script.path], name: "bash")
        let report = try FDHoundCLI.jsonReport(traces)
        let leaks = LeakView.all(in: report)
        XCTAssertFalse(leaks.isEmpty, "bash keeps its script open on a high descriptor")
        for leak in leaks {
            XCTAssertEqual(leak.raw["pattern"] as? String, "once", "\(leak.raw)")
            XCTAssertEqual(leak.raw["confidence"] as? String, "low", "\(leak.raw)")
        }
        let text = try FDHoundCLI.run(["report", traces])
        XCTAssertTrue(text.stdout.contains("Opened once and held to the end ("), text.stdout)
        XCTAssertFalse(text.stdout.contains("\n#1  "), "no full block for a once finding: \(text.stdout)")
        let check = try FDHoundCLI.run(["check", traces])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stderr.contains("opened once and held ignored (--strict fails on them)"), check.stderr)
        let strict = try FDHoundCLI.run(["check", "--strict", traces])
        XCTAssertEqual(strict.status, 1, strict.stderr)
    }

    func testNginxsLogsEpollAndEventfdAreHeldOnceByDesign() throws {
        guard let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("nginx is not installed")
        }
        let prefix = workDirectory.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("logs"), withIntermediateDirectories: true)
        let logs = prefix.appendingPathComponent("logs").path
        let port = 20_000 + Int.random(in: 0..<20_000)
        let config = """
            daemon off; master_process off; worker_processes 1;
            error_log \(logs)/error.log; pid \(logs)/nginx.pid;
            events { worker_connections 64; }
            http { access_log \(logs)/access.log; client_body_temp_path \(logs); proxy_temp_path \(logs);
                   fastcgi_temp_path \(logs); uwsgi_temp_path \(logs); scgi_temp_path \(logs);
                   server { listen 127.0.0.1:\(port); location / { return 200 "ok"; } } }
            """
        let configFile = prefix.appendingPathComponent("nginx.conf")
        try Data(config.utf8).write(to: configFile)
        let traces = workDirectory.appendingPathComponent("traces").path
        let server = Process()
        server.executableURL = URL(fileURLWithPath: FDHoundCLI.executable)
        server.arguments = ["run", "-q", "-o", traces, "--", nginx, "-p", prefix.path, "-c", configFile.path]
        try server.run()
        // Wait for the pid file (nginx writes it once it listens), then stop it gracefully (SIGQUIT).
        let pidFile = "\(logs)/nginx.pid"
        var pid: Int32 = 0
        for _ in 0..<100 where pid == 0 {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
               let value = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { pid = value } else { usleep(100_000) }
        }
        XCTAssertGreaterThan(pid, 0, "nginx started")
        // Stop it only once it serves (its signal handlers are installed by then): SIGQUIT is a graceful
        // exit, so its trace records the end of the run.
        var served = false
        for _ in 0..<50 where !served {
            served = (try? Command.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]))?.status == 0
            if !served { usleep(100_000) }
        }
        XCTAssertTrue(served, "nginx listens on \(port)")
        if pid > 0 { kill(pid, SIGQUIT) }
        server.waitUntilExit()
        let leaks = LeakView.all(in: try FDHoundCLI.jsonReport(traces))
        let kinds = Set(leaks.map(\.kind))
        XCTAssertTrue(kinds.isSuperset(of: ["epoll", "eventfd", "file"]), "\(kinds)")
        for leak in leaks where ["epoll", "eventfd", "file"].contains(leak.kind) {
            XCTAssertEqual(leak.raw["pattern"] as? String, "once", "\(leak.raw)")
            XCTAssertEqual(leak.raw["confidence"] as? String, "low", "\(leak.raw)")
        }
        XCTAssertEqual(try FDHoundCLI.run(["check", traces]).status, 0)
        XCTAssertEqual(try FDHoundCLI.run(["check", "--strict", traces]).status, 1)
    }
}
