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
        guard !report.leaks.isEmpty else { return "no descriptors left open" }
        return "\(plural(report.leakedDescriptorCount, "descriptor")) left open in \(plural(report.leaks.count, "code path"))"
    }

    /// "1 process" / "3 processes".
    static func processes(_ report: Report) -> String {
        plural(report.processes.count, "process", "processes")
    }

    /// "leak_cache_files" or, without symbols, "a.out+0x1139".
    static func name(of frame: Frame) -> String {
        frame.function ?? "\(frame.moduleName)+\(frame.address)"
    }

    /// "opened by open in leak_cache_files at leak_thousand_files.c:24".
    static func headline(_ leak: LeakGroup) -> String {
        var text = "opened by \(leak.api) in \(name(of: leak.culprit))"
        if let location = leak.culprit.shortLocation { text += " at \(location)" }
        return text
    }

    /// One stack line: "#0 leak_cache_files  /src/leak.c:24:13  (a.out) [inlined]".
    static func frameLine(_ frame: Frame, index: Int) -> String {
        var text = "#\(index) \(frame.function ?? "??")"
        if let location = frame.fullLocation { text += "  \(location)" }
        text += frame.function == nil ? "  (\(frame.moduleName)+\(frame.address))" : "  (\(frame.moduleName))"
        if frame.inlined { text += " [inlined]" }
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

    /// "3 in CLOSE_WAIT: the peer hung up and this process never closed them", or nil.
    static func closeWait(_ leak: LeakGroup) -> String? {
        guard let count = leak.closeWait, count > 0 else { return nil }
        return "\(count) in CLOSE_WAIT at exit: the peer hung up and this process never closed "
            + (count == 1 ? "it" : "them")
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
