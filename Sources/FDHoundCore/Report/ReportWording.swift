// Phrases shared by the text and markdown formatters and the summary line, so every format words the same
// fact the same way.
import Foundation

enum ReportWording {
    /// "1 descriptor" / "2 descriptors".
    static func plural(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : (pluralForm ?? singular + "s"))
    }

    /// "1100 descriptors left open in 2 code paths" or "no descriptors left open".
    static func leakTotals(_ report: Report) -> String {
        let suppressed = report.suppressions.reduce(0) { $0 + $1.findings }
        let note = suppressed > 0 ? " (\(plural(suppressed, "finding")) suppressed)" : ""
        guard !report.leaks.isEmpty else { return "no descriptors left open" + (suppressed > 0 ? " outside suppressions" : "") + note }
        return "\(plural(report.leakedDescriptorCount, "descriptor")) left open in \(plural(report.leaks.count, "code path"))" + note
    }

    /// "pid 12" / "pids 12, 13, 14, 15, 16 and 27 more": a fork-heavy run can span hundreds of processes.
    static func pidList(_ pids: [Int]) -> String {
        var text = (pids.count == 1 ? "pid " : "pids ") + pids.prefix(5).map(String.init).joined(separator: ", ")
        if pids.count > 5 { text += " and \(pids.count - 5) more" }
        return text
    }

    /// The leak groups shown in full, and the "once" ones (opened once, held to the end, outside any
    /// phase: LeakGroup.isHeldOnce) that text and Markdown list compactly after them; each in report order.
    /// With `--all` (showInherited) every group is shown in full.
    static func splitOnce(_ report: Report) -> (full: [LeakGroup], once: [LeakGroup]) {
        guard !report.showInherited else { return (report.leaks, []) }
        return (report.leaks.filter { !$0.isHeldOnce }, report.leaks.filter(\.isHeldOnce))
    }

    /// "1 process" / "3 processes".
    static func processes(_ report: Report) -> String {
        plural(report.processes.count, "process", "processes")
    }

    /// "leak_cache_files" or, without symbols, "a.out+0x1139" — "libws.so+0x1139 (near lws_open)" when
    /// only a stripped module's symbol table named it.
    static func name(of frame: Frame) -> String {
        frame.function ?? "\(frame.moduleName)+\(frame.address)" + (frame.nearSymbol.map { " (near \($0))" } ?? "")
    }

    /// "no debug info, near lws_open" for a native frame its module's debug info did not cover, else nil.
    static func debugInfoNote(_ frame: Frame) -> String? {
        guard frame.debugInfo == false else { return nil }
        return "no debug info" + (frame.nearSymbol.map { ", near \($0)" } ?? "")
    }

    /// "opened by open in leak_cache_files at leak_thousand_files.c:24".
    static func headline(_ leak: LeakGroup) -> String {
        "opened by \(leak.api) in " + codePath(leak.culprit, calledFrom: leak.calledFrom)
    }

    /// "connect at client.py:12", then ", called from main at app.py:40" when the culprit is in a library.
    static func codePath(_ culprit: Frame, calledFrom caller: Frame?) -> String {
        var text = name(of: culprit)
        if let location = culprit.shortLocation { text += " at \(location)" }
        if let caller {
            text += ", called from \(name(of: caller))"
            if let location = caller.shortLocation { text += " at \(location)" }
        }
        return text
    }

    /// One stack line: "#0 leak_cache_files  /src/leak.c:24:13  (a.out) [inlined]".
    static func frameLine(_ frame: Frame, index: Int) -> String {
        var text = "#\(index) \(frame.function ?? "??")"
        if let location = frame.fullLocation { text += "  \(location)" }
        text += frame.function == nil ? "  (\(frame.moduleName)+\(frame.address))" : "  (\(frame.moduleName))"
        if frame.inlined { text += " [inlined]" }
        if let note = debugInfoNote(frame) { text += "  " + note }
        return text
    }

    /// "0.002 s".
    static func seconds(_ value: Double) -> String {
        String(format: "%.3f s", value)
    }

    /// "opened here 1000 times, closed 0", or nil without call-site totals.
    static func siteTotals(_ leak: LeakGroup) -> String? {
        guard let opened = leak.openedAtSite else { return nil }
        return "opened here \(plural(opened, "time")), closed \(leak.closedAtSite ?? 0)"
    }

    /// Always-on traces: "stack sampled: 3 of 40 descriptors have their own stack (the others were attributed
    /// by their code path); 11 of 5000 openings here captured one", or nil outside always-on mode.
    static func stackSampling(_ leak: LeakGroup) -> String? {
        guard let s = leak.stackSampling else { return nil }
        if s.openedWithStack == 0 {
            return "stack sampled: none of its \(plural(s.opened, "opening")) captured a full stack (always-on mode): "
                + "shown is its code path only (the two calling frames, or the calling and the innermost Python frame)"
        }
        let own = s.leakedWithStack == s.leaked
            ? (s.leaked == 1 ? "it has its own stack" : "all \(s.leaked) have their own stack")
            : "\(s.leakedWithStack) of \(s.leaked) descriptors have their own stack, the others were attributed by "
                + "their code path (the two calling frames, or the calling and the innermost Python frame)"
        let shared = s.fullStacks > 1 && s.leakedWithStack < s.leaked
            ? ", which \(s.fullStacks) different full stacks share: shown is the one holding the most descriptors" : ""
        return "stack sampled: \(own)\(shared); \(s.openedWithStack) of \(plural(s.opened, "opening")) here captured one "
            + "(always-on mode)"
    }

    /// "3 in CLOSE_WAIT: the peer hung up and this process never closed them", or nil.
    static func closeWait(_ leak: LeakGroup) -> String? {
        guard let count = leak.closeWait, count > 0 else { return nil }
        return "\(count) in CLOSE_WAIT at exit: the peer hung up and this process never closed "
            + (count == 1 ? "it" : "them")
    }

    /// The processes as a tree, parents before their children (by ppid among the traced pids), each with
    /// its depth; the images of one pid in exec order (the replaced image first).
    static func processTree(_ report: Report) -> [(process: ProcessSummary, depth: Int)] {
        let pids = Set(report.processes.map(\.pid))
        let ordered = report.processes.sorted { a, b in
            a.pid != b.pid ? a.pid < b.pid : (a.state == "execed" ? 0 : 1, a.startTime ?? "") < (b.state == "execed" ? 0 : 1, b.startTime ?? "")
        }
        let children = Dictionary(grouping: ordered.filter { pids.contains($0.ppid) && $0.ppid != $0.pid }, by: \.ppid)
        var result = [(process: ProcessSummary, depth: Int)]()
        var visited = Set<Int>()
        func visit(_ pid: Int, depth: Int) {
            guard visited.insert(pid).inserted else { return }
            for image in ordered where image.pid == pid { result.append((image, depth)) }
            for child in children[pid] ?? [] { visit(child.pid, depth: depth + 1) }
        }
        for root in ordered where !pids.contains(root.ppid) || root.ppid == root.pid { visit(root.pid, depth: 0) }
        for process in ordered where !visited.contains(process.pid) { visit(process.pid, depth: 0) } // cycles
        return result
    }

    /// This process's share of the leak groups: "L1×20, L3×2", or "" when it leaked nothing.
    static func leakShare(of process: ProcessSummary, in report: Report) -> String {
        // An image replaced by exec leaves no leaks of its own; the pid's share belongs to its last image.
        guard process.state != "execed" else { return "" }
        return report.leaks.compactMap { leak in
            leak.perProcess.first { $0.pid == process.pid }.map { "\(leak.id)×\($0.count)" }
        }.joined(separator: ", ")
    }

    /// "RLIMIT_NOFILE 1024 (hard 524288)"; nil limits read "unlimited".
    static func rlimit(_ process: ProcessSummary) -> String {
        let soft = process.rlimitSoft.map(String.init) ?? "unlimited"
        let hard = process.rlimitHard.map(String.init) ?? "unlimited"
        return "RLIMIT_NOFILE \(soft) (hard \(hard))"
    }

    /// The command line, or the executable path when argv was not recorded.
    static func command(_ process: ProcessSummary) -> String {
        let text = process.argv.isEmpty ? (process.executable ?? "?") : process.argv.joined(separator: " ")
        return text.count > 100 ? String(text.prefix(99)) + "…" : text
    }

    /// An inherited descriptor in one line: "pid 12 fd 0  pty  /dev/pts/0  (inherited)".
    static func inheritedLine(_ item: InheritedDescriptor) -> String {
        var text = "pid \(item.pid) fd \(item.fd)  \(item.kind)"
        if let description = item.description { text += "  \(description)" }
        text += "  (\(item.reason))"
        if let opener = item.stack.first(where: { $0.function != nil }) { text += " opened in \(name(of: opener))" }
        return text
    }
}
