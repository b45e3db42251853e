// GitHub's escaping of workflow commands: a name holding %, CR, LF, ':' or ',' can neither end the
// command's properties early nor start a command of its own.
import XCTest
@testable import FDHoundCore

final class GitHubAnnotationsTests: XCTestCase {
    func testEscapingFollowsTheRunnersRules() {
        XCTAssertEqual(GitHubAnnotations.data("100% a\r\nb:c,d"), "100%25 a%0D%0Ab:c,d")
        XCTAssertEqual(GitHubAnnotations.property("a%b:c,d"), "a%25b%3Ac%2Cd")
        // Names are made visible first: a raw newline from a name is `\n`, never a line break.
        XCTAssertEqual(GitHubAnnotations.property("x\ny\u{1B}"), "x\\ny\\x1b")
    }

    func testAHostileFileNameStaysOneCommand() {
        let culprit = Frame(function: "f", file: "/w/src/a,b:c%\n::error::forged.c", line: 7, module: "/w/app", address: "0x1")
        var report = Report(tracePath: "t", processes: [], leaks: [], inherited: [], warnings: [])
        report.leaks = [LeakGroup(id: "L1", fingerprint: "00000000000000ab", count: 2, kind: "file", api: "open",
                                  owner: "fd", culprit: culprit, stack: [culprit], samples: ["/tmp/x\r::warning::y"],
                                  pids: [1], firstSeenSeconds: 0, lastSeenSeconds: 0)]
        let finding = CheckFindings.findings(in: report, includeMisuse: false, includeReclaimed: false)
        var matched = finding
        matched[0].signature.fingerprint = "00000000000000ab"
        let lines = GitHubAnnotations.lines(for: matched, in: report, workspace: "/w")
        XCTAssertEqual(lines.count, 1)
        let line = lines[0]
        XCTAssertFalse(line.contains("\n") || line.contains("\r"), line)
        XCTAssertTrue(line.hasPrefix("::error file=src/a%2Cb%3Ac%25\\n%3A%3Aerror%3A%3Aforged.c,line=7,title=fdhound%3A descriptor leak (L1)::"), line)
        XCTAssertTrue(line.contains("%0Asample: /tmp/x\\r::warning::y%0A"), line)
    }
}
