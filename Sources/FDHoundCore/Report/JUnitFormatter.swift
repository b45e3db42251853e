// JUnit XML (`--format junit`), the test-report format CI systems already show (Jenkins, GitLab, GitHub
// actions that read test results): <testsuites> → one <testsuite> per traced process → one <testcase> per
// phase it named (each test under the pytest plugin; findings opened outside any phase get a case of their
// own), or one case for the whole process when it named none. A case fails on what `check` fails on by
// default — descriptors left open (but those opened once and held from start-up), descriptors leaked
// across exec — with one <failure> whose message sums the findings and whose body gives each one with its
// pattern and stack; held-once leaks, running out of descriptors, misuse, reclaimed and growing code
// paths, and descriptors that outlived their phase, go to the case's <system-out>. Every string from the trace goes through MarkupEscapes.

enum JUnitFormatter {
    /// One test case's findings: what fails it, and what is only worth reading.
    private struct Case {
        var name: String
        var failures: [(summary: String, stack: [String])] = []
        var notes: [String] = []
    }

    static func render(_ report: Report) -> String {
        var suites = [String]()
        var totalTests = 0, totalFailures = 0
        // An image replaced by exec left nothing of its own; its pid's findings belong to its last image.
        let processes = report.processes.filter { $0.state != "execed" }
        for process in processes {
            let cases = cases(of: process, in: report)
            let failures = cases.filter { !$0.failures.isEmpty }.count
            totalTests += cases.count
            totalFailures += failures
            var suite = ["  <testsuite name=\"\(e("pid \(process.pid): " + ReportWording.command(process)))\" tests=\"\(cases.count)\" "
                + "failures=\"\(failures)\" errors=\"0\" skipped=\"0\"" + (process.durationSeconds.map { " time=\"\(seconds($0))\"" } ?? "") + ">"]
            let className = "fdhound." + (process.executable.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "process\(process.pid)")
            for testCase in cases {
                suite.append("    <testcase classname=\"\(e(className))\" name=\"\(e(testCase.name))\">")
                if !testCase.failures.isEmpty {
                    let message = testCase.failures.map(\.summary).joined(separator: "; ")
                    let body = testCase.failures.map { ([$0.summary] + $0.stack.map { "    " + $0 }).joined(separator: "\n") }
                    suite.append("      <failure type=\"fdhound.leak\" message=\"\(e(message))\">"
                        + MarkupEscapes.lines(body.joined(separator: "\n\n").components(separatedBy: "\n")) + "</failure>")
                }
                if !testCase.notes.isEmpty {
                    suite.append("      <system-out>" + MarkupEscapes.lines(testCase.notes) + "</system-out>")
                }
                suite.append("    </testcase>")
            }
            suite.append("  </testsuite>")
            suites += suite
        }
        let head = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                    "<testsuites name=\"fdhound\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" errors=\"0\">"]
        return (head + suites + ["</testsuites>"]).joined(separator: "\n") + "\n"
    }

    /// The process's cases: one per phase it named (in begin order), the findings outside any phase in a
    /// case of their own (only when there are some, or when it named no phase at all).
    private static func cases(of process: ProcessSummary, in report: Report) -> [Case] {
        let pid = process.pid
        var cases = process.phases.map { Case(name: $0) }
        func index(of phase: String?) -> Int {
            if let phase, let found = cases.firstIndex(where: { $0.name == phase }) { return found }
            let name = process.phases.isEmpty ? "descriptors of pid \(pid)" : "outside any phase"
            if let found = cases.firstIndex(where: { $0.name == name }) { return found }
            cases.append(Case(name: name))
            return cases.count - 1
        }
        if process.phases.isEmpty { _ = index(of: nil) }
        for leak in report.leaks {
            guard let mine = leak.perProcess.first(where: { $0.pid == pid }) else { continue }
            let summary = "\(leak.id): \(mine.count) × \(leak.kind) left open, \(ReportWording.headline(leak))"
            let assessment = (LeakAssessmentWording.line(leak).map { ["pattern: " + $0] } ?? [])
                + (ReportWording.stackSampling(leak).map { [$0] } ?? [])
            if leak.isHeldOnce { // as `check` without --strict: worth reading, not a failure
                cases[index(of: leak.phase)].notes.append(([summary] + assessment).joined(separator: "; "))
                continue
            }
            cases[index(of: leak.phase)].failures.append(
                (summary, assessment + leak.samples.map { "sample: " + $0 } + stack(leak.stack, leak.culprit, report)))
        }
        for entry in report.exhaustion where entry.pid == pid {
            cases[index(of: nil)].notes.append("\(entry.id): " + EvidenceWording.exhaustionLine(entry))
        }
        for group in report.execLeaks where group.fromPids.contains(pid) {
            cases[index(of: nil)].failures.append(("\(group.id): " + ProcessTreeWording.headline(group),
                                                   group.samples.map { "sample: " + $0 } + stack(group.stack, group.culprit, report)))
        }
        for group in report.misuse where group.pids.contains(pid) {
            cases[index(of: nil)].notes.append("\(group.id): " + ProcessTreeWording.headline(group))
        }
        for group in report.reclaimed where group.pids.contains(pid) {
            cases[index(of: group.phase)].notes.append("\(group.id): " + ReclaimWording.headline(group))
        }
        for group in report.outlivedPhase where group.pids.contains(pid) {
            cases[index(of: group.phase)].notes.append("\(group.id): " + PhaseOutlivedWording.headline(group))
        }
        for group in report.growth where group.pids.contains(pid) {
            cases[index(of: nil)].notes.append("\(group.id): " + ReclaimWording.headline(group))
        }
        return cases
    }

    private static func stack(_ frames: [Frame], _ culprit: Frame, _ report: Report) -> [String] {
        StackFolding.lines(frames, marked: culprit, fold: report.foldInterpreterFrames, marker: "→ ", indent: "  ")
    }

    private static func e(_ text: String) -> String { MarkupEscapes.escape(text) }

    /// JUnit's `time`: seconds with three decimals, locale-independent.
    private static func seconds(_ value: Double) -> String {
        ReportWording.seconds(value).replacingOccurrences(of: " s", with: "")
    }
}
